#ifndef DLG_IMPLICIT_GEMM_CONV_H
#define DLG_IMPLICIT_GEMM_CONV_H

/// The forward convolution as the im2col product `[pixels, taps] × [taps, outc]` without the
/// patch matrix: a tile of neighbouring output pixels of one row times a block of output
/// channels keeps its sums in registers (6 pixels × 64 channels, or 8 × 32, on AVX-512's 32
/// registers; 6 × 16 on AVX2's 16), and reads each pixel's window where it lies in the NHWC
/// input, one broadcast input times the filter's vectors of output channels per tap. Writing
/// and re-reading a patch matrix costs as much as the product at the small batches inference
/// runs (the CIFAR-10 CNN's 3 → 32 and 32 → 64 layers), and rows of the output split over
/// threads where im2col splits whole images. A tile's pixels are consecutive in the image's
/// output, across rows (each window is a pointer), so rows that are not whole tiles waste
/// nothing; a layer with padding reads a zero-bordered copy of each image.

#include "conv_sizes.h"

/// 1 when this CPU has the vectors the kernel needs (AVX2 and FMA at least, whatever the cap
/// of vector_lanes.h: a plan's choice of kernel must not change) and the sizes fit it: output
/// channels a multiple of 16, output rows of 8 pixels at least, every size positive.
int dlg_implicit_gemm_conv_applies(const dlg_conv_sizes *s);

/// Floats of scratch one call needs: one padded image (none without padding).
long dlg_implicit_gemm_conv_scratch(const dlg_conv_sizes *s);

/// y = act(conv(x, w) + bias) for the output rows `first` to `last - 1`, counted over the
/// whole batch (row r is row r % oh of image r / oh). `bias` may be null; `relu` is 0 or 1
/// (a NaN stays a NaN). Different row ranges write different outputs, so threads may take one
/// range each.
void dlg_implicit_gemm_conv(const dlg_conv_sizes *s, const float *x, const float *w,
                            const float *bias, int relu, long first, long last, float *y,
                            float *scratch);

#endif
