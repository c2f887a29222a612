#ifndef DLG_CONV_SIZES_H
#define DLG_CONV_SIZES_H

/// A convolution's sizes: input `[n, h, w, c]`, filter `[kh, kw, c, outc]` (HWIO, dlg's),
/// output `[n, oh, ow, outc]`, zero padding on each side, and the strides. The Swift side
/// checks every size against 2^30 first, so the kernels' sums of two of them fit an int and
/// their products are taken as longs.
typedef struct {
  int n, h, w, c, outc, kh, kw;
  int pad_top, pad_left, pad_bottom, pad_right;
  int oh, ow;
  int stride_h, stride_w;
} dlg_conv_sizes;

#endif
