#ifndef DLG_MAX_POOL_H
#define DLG_MAX_POOL_H

/// Max pooling over NHWC images and its gradient, on the widest vectors (vector_lanes.h):
/// every loop runs over a pixel's contiguous channels, 16 (AVX-512) or 8 (AVX2) at a time,
/// the last ones in a masked vector. In C because Swift compiles a SIMD compare-and-select lane by lane.

/// A pooling's sizes: input `[n, h, w, c]`, a `kh × kw` window moved by the strides, zero
/// padding that never wins, output `[n, oh, ow, c]`.
typedef struct {
  int n, h, w, c, kh, kw, stride_h, stride_w, pad_top, pad_left, oh, ow;
} dlg_pool_sizes;

/// y = the maximum of each window, for images `first` to `last - 1`.
void dlg_max_pool(const dlg_pool_sizes *s, const float *x, long first, long last, float *y);

/// dx for images `first` to `last - 1`: zeroed, then each window's gradient added at the first
/// position (row by row) holding its maximum `y`, per channel.
void dlg_max_pool_gradient(const dlg_pool_sizes *s, const float *x, const float *y,
                           const float *dy, long first, long last, float *dx);

#endif
