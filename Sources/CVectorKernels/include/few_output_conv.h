#ifndef DLG_FEW_OUTPUT_CONV_H
#define DLG_FEW_OUTPUT_CONV_H

/// The forward convolution and the filter gradient of a layer with few output channels (at
/// most 16: LeNet's 3 → 6 and 6 → 16), stride 1, NHWC. Its im2col product is too narrow for sgemm (a reduction of 75
/// taps into 6 columns), and a vector of 6 channels wastes most of its lanes, so here the
/// vectors run along the output row instead: 16 (AVX-512) or 8 (AVX2) neighbouring pixels of
/// one channel, every output channel a register, each input vector loaded once for all of
/// them. Each image is first copied channel by channel into a zero-padded plane, so the
/// windows are plain unaligned loads.

#include "conv_sizes.h"

/// 1 when this CPU has the vectors the kernel needs (AVX2 and FMA at least, whatever the cap
/// of vector_lanes.h: a plan's choice of kernel must not change) and the sizes fit it: stride
/// 1, 1 to 16 output channels, an output of at least 8 pixels a row.
int dlg_few_output_conv_applies(const dlg_conv_sizes *s);

/// Floats of scratch one call needs: one image's padded planes.
long dlg_few_output_conv_scratch(const dlg_conv_sizes *s);

/// y = act(conv(x, w) + bias) for the output rows `first` to `last - 1`, counted over the
/// whole batch (row r is row r % oh of image r / oh). `bias` may be null; `relu` is 0 or 1.
/// Different row ranges write different outputs, so threads may take one range each.
void dlg_few_output_conv(const dlg_conv_sizes *s, const float *x, const float *w,
                         const float *bias, int relu, long first, long last, float *y,
                         float *scratch);

/// Floats of scratch one filter-gradient call needs: one image's padded planes and its
/// output gradient, channel by channel.
long dlg_few_output_conv_filter_gradient_scratch(const dlg_conv_sizes *s);

/// Adds the filter gradient of images `first` to `last - 1` to `dw` (`[kh, kw, c, outc]`):
/// dw[ky, kx, c, o] += Σ x[n, oy + ky - pad_top, ox + kx - pad_left, c] · dy[n, oy, ox, o].
/// Each image's sums are added in one order, so a range gives the same result on any thread.
void dlg_few_output_conv_filter_gradient(const dlg_conv_sizes *s, const float *x,
                                         const float *dy, long first, long last, float *dw,
                                         float *scratch);

#endif
