import CVectorKernels

/// The sizes of one 2-D convolution over NHWC images with a `[kH, kW, Cin, Cout]` filter.
public struct ConvGeometry: Sendable, Equatable {
  public let batch, inHeight, inWidth, inChannels, outChannels: Int
  public let kernelHeight, kernelWidth, strideHeight, strideWidth: Int
  public let padTop, padLeft, padBottom, padRight: Int
  /// The output's size, computed once: kernels index pixels with it in their inner loops,
  /// where a division per pixel costs more than a small window's arithmetic.
  public let outHeight, outWidth: Int

  public init(
    batch: Int, inHeight: Int, inWidth: Int, inChannels: Int, outChannels: Int,
    kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
    padTop: Int, padLeft: Int, padBottom: Int, padRight: Int
  ) {
    self.batch = batch
    self.inHeight = inHeight
    self.inWidth = inWidth
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernelHeight = kernelHeight
    self.kernelWidth = kernelWidth
    self.strideHeight = strideHeight
    self.strideWidth = strideWidth
    self.padTop = padTop
    self.padLeft = padLeft
    self.padBottom = padBottom
    self.padRight = padRight
    outHeight = (inHeight + padTop + padBottom - kernelHeight) / strideHeight + 1
    outWidth = (inWidth + padLeft + padRight - kernelWidth) / strideWidth + 1
  }
  /// The sizes as the C kernels take them (`conv_sizes.h`), or nil when one passes 2^30, so
  /// that their sums of two sizes stay inside an int.
  var vectorKernelSizes: dlg_conv_sizes? {
    let values = [
      batch, inHeight, inWidth, inChannels, outChannels, kernelHeight, kernelWidth, padTop,
      padLeft, padBottom, padRight, outHeight, outWidth, strideHeight, strideWidth,
    ]
    guard values.allSatisfy({ $0 >= 0 && $0 <= 1 << 30 }) else { return nil }
    let v = values.map { Int32($0) }
    return dlg_conv_sizes(
      n: v[0], h: v[1], w: v[2], c: v[3], outc: v[4], kh: v[5], kw: v[6], pad_top: v[7],
      pad_left: v[8], pad_bottom: v[9], pad_right: v[10], oh: v[11], ow: v[12], stride_h: v[13],
      stride_w: v[14])
  }

  /// Rows of the patch matrix: one per output pixel of the whole batch.
  var patchRows: Int { batch * outHeight * outWidth }
  /// Columns of the patch matrix: one per filter tap.
  var patchColumns: Int { kernelHeight * kernelWidth * inChannels }

  /// Copies the receptive field of output pixel (oy, ox) of one image into `patch`, in
  /// filter order (ky, kx, c), with zeros where it overhangs the padded border.
  @inline(__always)
  func gatherWindow(
    of image: UnsafePointer<Float>, _ oy: Int, _ ox: Int, into patch: UnsafeMutablePointer<Float>
  ) {
    let tapRow = kernelWidth * inChannels
    let x0 = ox * strideWidth - padLeft
    var row = patch
    for ky in 0..<kernelHeight {
      let y = oy * strideHeight - padTop + ky
      if y < 0 || y >= inHeight {
        row.update(repeating: 0, count: tapRow)
      } else if x0 >= 0 && x0 + kernelWidth <= inWidth {
        // The whole kernel row is inside the image: one contiguous copy.
        row.update(from: image + (y * inWidth + x0) * inChannels, count: tapRow)
      } else {
        for kx in 0..<kernelWidth {
          let x = x0 + kx
          let target = row + kx * inChannels
          if x < 0 || x >= inWidth {
            target.update(repeating: 0, count: inChannels)
          } else {
            target.update(from: image + (y * inWidth + x) * inChannels, count: inChannels)
          }
        }
      }
      row += tapRow
    }
  }

  /// The im2col products of the forward pass, the filter gradient and the input gradient.
  public var forwardProduct: MatrixProduct {
    MatrixProduct(m: patchRows, n: outChannels, k: patchColumns)
  }
  public var backwardFilterProduct: MatrixProduct {
    MatrixProduct(m: patchColumns, n: outChannels, k: patchRows, transposeA: true)
  }
  public var backwardInputProduct: MatrixProduct {
    MatrixProduct(m: patchRows, n: patchColumns, k: outChannels, transposeB: true)
  }

  /// Images whose patches the forward pass gathers at once: about 256 KiB, inside L2.
  var forwardGroup: Int { max(1, (1 << 16) / max(outHeight * outWidth * patchColumns, 1)) }
  /// Images whose patches a backward pass handles at once: about 1 MiB, so the products along
  /// the pixels stay long.
  var backwardGroup: Int { max(1, (1 << 18) / max(outHeight * outWidth * patchColumns, 1)) }
  /// Every pass splits the batch into at most this many parts, each working through its images
  /// a group at a time in its own slot of the workspace, so the workspace does not grow with
  /// the batch.
  static let maximumParts = 16

  /// Images of workspace for parts that handle at most `group` images at once.
  func workspaceImages(group: Int) -> Int { min(batch, Self.maximumParts * group) }

  /// The first workspace image of a part's slot. When every part fits in one group, each
  /// part's slot is where its images would be in a whole-batch workspace; otherwise parts take
  /// slots of `group` images one after another (fewer than the batch in all). Either way the
  /// slots fit in `workspaceImages(group:)`.
  func slot(part: Int, of parts: Int, images: Range<Int>, group: Int) -> Int {
    group * parts >= batch ? images.lowerBound : part * group
  }

  /// The parts a pass splits the batch into: at least 2^17 multiply-adds each, so a small
  /// batch still uses the cores when its products are worth splitting.
  var parts: Int {
    let perImage = outHeight * outWidth * patchColumns * outChannels
    return min(
      ThreadBudget.parts(count: batch, minimumChunk: max(1, (1 << 17) / max(perImage, 1))),
      Self.maximumParts)
  }

  /// The kernel the forward pass takes: the first of these that fits the layer.
  var forwardKernel: ConvolutionForwardKernel {
    // At 16 outputs both of the first two fit, and the implicit product measured 3.2× the
    // row kernel (LeNet's 6 → 16 layer at batch 32, one thread: 0.073 against 0.237 ms).
    if ImplicitGEMMConvolution.applies(to: self) { return .implicitGEMM }
    if FewOutputConvolution.applies(to: self) { return .fewOutputs }
    if DirectConvolution.applies(to: self) { return .direct }
    return .patchGEMM
  }

  /// Floats of im2col workspace each pass needs.
  public var forwardScratchCount: Int {
    guard forwardKernel == .patchGEMM else { return 0 }
    return workspaceImages(group: forwardGroup) * outHeight * outWidth * patchColumns
  }
  public var backwardFilterScratchCount: Int {
    workspaceImages(group: backwardGroup) * outHeight * outWidth * patchColumns
  }
  public var backwardInputScratchCount: Int { backwardFilterScratchCount }
}

/// The forward pass's kernels, fastest first where several fit a layer.
enum ConvolutionForwardKernel: Sendable, Equatable {
  /// A multiple of 16 outputs: the product without the patch matrix (`ImplicitGEMMConvolution`).
  case implicitGEMM
  /// Fewer than 16 outputs over many taps: vectors along the output row
  /// (`FewOutputConvolution`).
  case fewOutputs
  /// Few taps and other output counts (`DirectConvolution`).
  case direct
  /// Everything else: im2col and sgemm.
  case patchGEMM
}

/// 2-D convolution as im2col + GEMM. In NHWC the patch matrix `[N·Ho·Wo, kH·kW·Cin]` times the
/// filter `[kH·kW·Cin, Cout]` is the NHWC output itself, so no transposition is ever needed;
/// each row of patches copies `kW·Cin` contiguous floats per kernel row.
public enum Convolution2D {
  /// y = act(conv(x, w) + bias). Each thread takes a share of the images and works through
  /// them a few at a time — gather patches, multiply, add bias, activate — so one group's
  /// patches and outputs stay in cache from start to finish.
  public static func forward(
    _ g: ConvGeometry, input: UnsafePointer<Float>, filter: UnsafePointer<Float>,
    output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    bias: UnsafePointer<Float>? = nil, activation: Activation = .identity
  ) {
    switch g.forwardKernel {
    case .fewOutputs:
      FewOutputConvolution.forward(
        g, input: input, filter: filter, output: output, bias: bias, activation: activation)
      return
    case .implicitGEMM:
      ImplicitGEMMConvolution.forward(
        g, input: input, filter: filter, output: output, bias: bias, activation: activation)
      return
    case .direct:
      DirectConvolution.forward(
        g, input: input, filter: filter, output: output, bias: bias, activation: activation)
      return
    case .patchGEMM:
      break
    }
    let (rowsPerImage, columns) = (g.outHeight * g.outWidth, g.patchColumns)
    forEachGroup(g, group: g.forwardGroup, scratch: scratch) { _, images, patches in
      let rows = output + images.lowerBound * rowsPerImage * g.outChannels
      im2col(g, images: images, input: input, patches: patches)
      GEMM.sgemm(
        false, false, images.count * rowsPerImage, g.outChannels, columns, 1, patches, columns,
        filter, g.outChannels, 0, rows, g.outChannels)
      if bias != nil || activation != .identity {
        Elementwise.biasActivationRows(
          0..<images.count * rowsPerImage, columns: g.outChannels, x: rows, bias: bias,
          activation: activation, y: rows)
      }
    }
  }

  /// dFilter = patchesᵀ · dY (overwrites the filter gradient).
  public static func backwardFilter(
    _ g: ConvGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
    filterGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
  ) {
    if FewOutputConvolution.appliesToFilterGradient(g) {
      FewOutputConvolution.backwardFilter(
        g, input: input, outputGradient: outputGradient, filterGradient: filterGradient)
      return
    }
    // The reduction runs over every output pixel of the batch: each part gathers its images'
    // patches a group at a time and multiplies them while they are in cache, accumulating its
    // own partial sum; the partials are added in part order.
    let (rowsPerImage, columns, cout) = (g.outHeight * g.outWidth, g.patchColumns, g.outChannels)
    let (parts, size) = (g.parts, columns * cout)
    ScratchPool.shared.withBuffer(count: max(parts - 1, 1) * size) { partials in
      let sums = { (part: Int) in part == 0 ? filterGradient : partials + (part - 1) * size }
      forEachGroup(
        g, group: g.backwardGroup, scratch: scratch,
        startPart: { sums($0).update(repeating: 0, count: size) }
      ) { part, images, patches in
        im2col(g, images: images, input: input, patches: patches)
        GEMM.sgemm(
          true, false, columns, cout, images.count * rowsPerImage, 1, patches, columns,
          outputGradient + images.lowerBound * rowsPerImage * cout, cout, 1, sums(part), cout)
      }
      for part in 1..<max(parts, 1) {
        Elementwise.accumulate(count: size, partials + (part - 1) * size, into: filterGradient)
      }
    }
  }

  /// dInput = col2im(dY · filterᵀ) (overwrites the input gradient).
  public static func backwardInput(
    _ g: ConvGeometry, outputGradient: UnsafePointer<Float>, filter: UnsafePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
  ) {
    // Each part multiplies a group of its images' rows and scatters them back while they are
    // in cache.
    let (rowsPerImage, columns, cout) = (g.outHeight * g.outWidth, g.patchColumns, g.outChannels)
    forEachGroup(g, group: g.backwardGroup, scratch: scratch) { _, images, patches in
      GEMM.sgemm(
        false, true, images.count * rowsPerImage, columns, cout, 1,
        outputGradient + images.lowerBound * rowsPerImage * cout, cout, filter, cout, 0, patches,
        columns)
      col2im(g, images: images, patches: patches, inputGradient: inputGradient)
    }
  }

  /// Splits the batch into `g.parts` parts on the pool; each part calls `startPart(part)`, then
  /// `body(part, images, patches)` for its images a group of at most `group` at a time, with
  /// its own slot of the workspace `scratch` for their patches.
  static func forEachGroup(
    _ g: ConvGeometry, group preferred: Int, scratch: UnsafeMutablePointer<Float>,
    startPart: (Int) -> Void = { _ in },
    _ body: (Int, Range<Int>, UnsafeMutablePointer<Float>) -> Void
  ) {
    let parts = g.parts
    let group = min(preferred, (g.batch + parts - 1) / parts)
    let floatsPerImage = g.outHeight * g.outWidth * g.patchColumns
    ThreadBudget.forEachPart(parts) { part in
      let images = g.batch * part / parts..<g.batch * (part + 1) / parts
      let slot = g.slot(part: part, of: parts, images: images, group: group)
      startPart(part)
      var first = images.lowerBound
      while first < images.upperBound {
        let count = min(group, images.upperBound - first)
        body(part, first..<first + count, scratch + slot * floatsPerImage)
        first += count
      }
    }
  }

  /// Gathers every receptive field of the given images into one row of `patches` each (the
  /// first image's first row at `patches`), zeros where it overhangs the padded border.
  static func im2col(
    _ g: ConvGeometry, images: Range<Int>, input: UnsafePointer<Float>,
    patches: UnsafeMutablePointer<Float>
  ) {
    let imageSize = g.inHeight * g.inWidth * g.inChannels
    var row = patches
    for n in images {
      for oy in 0..<g.outHeight {
        for ox in 0..<g.outWidth {
          g.gatherWindow(of: input + n * imageSize, oy, ox, into: row)
          row += g.patchColumns
        }
      }
    }
  }

  /// Scatters the patch gradients of `images` back onto their images (overwriting them),
  /// summing overlapping taps; `patches` starts with the first of those images.
  static func col2im(
    _ g: ConvGeometry, images: Range<Int>, patches: UnsafePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>
  ) {
    let (outH, outW, cin) = (g.outHeight, g.outWidth, g.inChannels)
    let rowLength = g.patchColumns
    let imageSize = g.inHeight * g.inWidth * cin
    for n in images {
      let image = inputGradient + n * imageSize
      image.update(repeating: 0, count: imageSize)
      for oy in 0..<outH {
        for ox in 0..<outW {
          var row = patches + (((n - images.lowerBound) * outH + oy) * outW + ox) * rowLength
          let x0 = ox * g.strideWidth - g.padLeft
          let rowInside = x0 >= 0 && x0 + g.kernelWidth <= g.inWidth
          for ky in 0..<g.kernelHeight {
            let y = oy * g.strideHeight - g.padTop + ky
            if y >= 0 && y < g.inHeight && rowInside {
              // The whole kernel row lands inside the image: one contiguous sum, as
              // `gatherWindow` copies it (LeNet's 6-channel taps were 5 calls of 6 floats).
              Elementwise.accumulate(
                count: g.kernelWidth * cin, row, into: image + (y * g.inWidth + x0) * cin)
            } else if y >= 0 && y < g.inHeight {
              for kx in 0..<g.kernelWidth {
                let x = x0 + kx
                if x >= 0 && x < g.inWidth {
                  Elementwise.accumulate(
                    count: cin, row + kx * cin, into: image + (y * g.inWidth + x) * cin)
                }
              }
            }
            row += g.kernelWidth * cin
          }
        }
      }
    }
  }
}
