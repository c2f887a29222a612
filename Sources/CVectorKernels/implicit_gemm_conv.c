#include "implicit_gemm_conv.h"
#include "vector_lanes.h"

#include <string.h>

/// The most pixels a tile has: the gathered windows' buffer holds this many.
#define MAX_TILE_PIXELS 8

int dlg_implicit_gemm_conv_applies(const dlg_conv_sizes *s) {
  if (dlg_vector_lanes_available() < 8) return 0;
  if (s->n < 1 || s->h < 1 || s->w < 1 || s->c < 1 || s->kh < 1 || s->kw < 1) return 0;
  if (s->oh < 1 || s->stride_h < 1 || s->stride_w < 1) return 0;
  // Rows of at least a whole tile: shorter ones would leave most of a tile's sums unused
  // (the CIFAR-10 CNN's last layer, 4 pixels a row, runs faster through im2col).
  if (s->ow < MAX_TILE_PIXELS) return 0;
  return s->outc >= 16 && s->outc % 16 == 0;
}

long dlg_implicit_gemm_conv_scratch(const dlg_conv_sizes *s) {
  return (long)MAX_TILE_PIXELS * s->kh * s->kw * s->c;
}

/// One tile: PIX output pixels (windows `pixel_step` floats apart from `base`, kernel rows
/// `row_stride` apart, `row_taps` contiguous taps each) times VEC vectors of L output
/// channels (the filter's columns from `w`, `outc` floats a tap), PIX × VEC sums in registers.
/// The first `count` pixels are stored, `outc` floats apart from `y`.
#define IMPLICIT_GEMM_TILE(NAME, TARGET, L, VEC, PIX)                                           \
  typedef float NAME##_vector __attribute__((ext_vector_type(L)));                              \
  typedef int NAME##_mask __attribute__((ext_vector_type(L)));                                  \
  __attribute__((target(TARGET))) static void NAME(                                             \
      const float *base, long pixel_step, long row_stride, int kh, int row_taps, const float *w, \
      long outc, const float *bias, int relu, int count, float *y) {                             \
    NAME##_vector sums[PIX][VEC];                                                                \
    for (int v = 0; v < VEC; v++) {                                                              \
      NAME##_vector start = (NAME##_vector)(0.0f);                                               \
      if (bias) memcpy(&start, bias + v * L, sizeof start);                                      \
      for (int p = 0; p < PIX; p++) sums[p][v] = start;                                          \
    }                                                                                            \
    for (int ky = 0; ky < kh; ky++) {                                                            \
      const float *row = base + ky * row_stride;                                                 \
      const float *taps = w + (long)ky * row_taps * outc;                                        \
      for (int j = 0; j < row_taps; j++) {                                                       \
        NAME##_vector weights[VEC];                                                              \
        for (int v = 0; v < VEC; v++) memcpy(&weights[v], taps + v * L, sizeof weights[v]);     \
        for (int p = 0; p < PIX; p++) {                                                          \
          float input = row[p * pixel_step + j];                                                 \
          for (int v = 0; v < VEC; v++) sums[p][v] += input * weights[v];                        \
        }                                                                                        \
        taps += outc;                                                                            \
      }                                                                                          \
    }                                                                                            \
    for (int p = 0; p < PIX; p++) {                                                              \
      if (p >= count) break;                                                                     \
      for (int v = 0; v < VEC; v++) {                                                            \
        NAME##_vector out = sums[p][v];                                                          \
        /* ReLU as a mask of the negative lanes: a NaN is not negative, so it stays. */          \
        if (relu) out = (NAME##_vector)((NAME##_mask)out & ~(out < 0.0f));                       \
        memcpy(y + p * outc + v * L, &out, sizeof out);                                          \
      }                                                                                          \
    }                                                                                            \
  }

typedef void (*tile_kernel)(const float *base, long pixel_step, long row_stride, int kh,
                            int row_taps, const float *w, long outc, const float *bias, int relu,
                            int count, float *y);

#if defined(__x86_64__)
IMPLICIT_GEMM_TILE(tile_avx512_64x6, "avx512f", 16, 4, 6)
IMPLICIT_GEMM_TILE(tile_avx512_32x8, "avx512f", 16, 2, 8)
IMPLICIT_GEMM_TILE(tile_avx512_16x8, "avx512f", 16, 1, 8)
IMPLICIT_GEMM_TILE(tile_avx2_16x6, "avx2,fma", 8, 2, 6)
#endif

/// The tile this CPU (within the lanes' cap) and this layer's channels take: its kernel, its
/// pixels and its channels.
typedef struct {
  tile_kernel kernel;
  int pixels, channels;
} tile_shape;

static tile_shape shape_for(const dlg_conv_sizes *s) {
  tile_shape shape = {0, 1, 16};
#if defined(__x86_64__)
  if (dlg_vector_lanes() >= 16) {
    if (s->outc % 64 == 0) return (tile_shape){tile_avx512_64x6, 6, 64};
    if (s->outc % 32 == 0) return (tile_shape){tile_avx512_32x8, 8, 32};
    return (tile_shape){tile_avx512_16x8, 8, 16};
  }
  shape = (tile_shape){tile_avx2_16x6, 6, 16};
#endif
  (void)s;
  return shape;
}

/// Copies the windows of output pixels `start` to `start + count - 1` of row `oy` into
/// `patch`, one after another in filter order (ky, kx, c), zeros where a window overhangs the
/// image and for the tile's pixels past `count`.
static void gather(const dlg_conv_sizes *s, const float *image, int oy, int start, int count,
                   int pixels, float *patch) {
  long row_taps = (long)s->kw * s->c, taps = s->kh * row_taps;
  memset(patch, 0, sizeof(float) * (size_t)(taps * pixels));
  for (int p = 0; p < count; p++) {
    float *window = patch + p * taps;
    int left = (start + p) * s->stride_w - s->pad_left;
    for (int ky = 0; ky < s->kh; ky++) {
      int y = oy * s->stride_h - s->pad_top + ky;
      if (y < 0 || y >= s->h) continue;
      for (int kx = 0; kx < s->kw; kx++) {
        int x = left + kx;
        if (x < 0 || x >= s->w) continue;
        memcpy(window + ky * row_taps + (long)kx * s->c, image + ((long)y * s->w + x) * s->c,
               sizeof(float) * (size_t)s->c);
      }
    }
  }
}

void dlg_implicit_gemm_conv(const dlg_conv_sizes *s, const float *x, const float *w,
                            const float *bias, int relu, long first, long last, float *y,
                            float *scratch) {
  tile_shape shape = shape_for(s);
  if (!shape.kernel) return;
  long row_taps = (long)s->kw * s->c, taps = s->kh * row_taps;
  long image_size = (long)s->h * s->w * s->c;
  for (long r = first; r < last; r++) {
    const float *image = x + r / s->oh * image_size;
    int oy = (int)(r % s->oh);
    float *out = y + r * s->ow * s->outc;
    int top = oy * s->stride_h - s->pad_top;
    int rows_inside = top >= 0 && top + s->kh <= s->h;
    for (int ox = 0; ox < s->ow; ox += shape.pixels) {
      // A last tile that would pass the row's end starts earlier instead and recomputes a
      // few pixels; a row shorter than one tile is gathered.
      int start = ox, count = shape.pixels;
      if (ox + shape.pixels > s->ow) {
        if (s->ow >= shape.pixels) {
          start = s->ow - shape.pixels;
        } else {
          count = s->ow - ox;
        }
      }
      int left = start * s->stride_w - s->pad_left;
      int inside = rows_inside && count == shape.pixels && left >= 0 &&
                   left + (shape.pixels - 1) * s->stride_w + s->kw <= s->w;
      const float *base;
      long pixel_step, row_stride;
      if (inside) {
        base = image + ((long)top * s->w + left) * s->c;
        pixel_step = (long)s->stride_w * s->c;
        row_stride = (long)s->w * s->c;
      } else {
        gather(s, image, oy, start, count, shape.pixels, scratch);
        base = scratch;
        pixel_step = taps;
        row_stride = row_taps;
      }
      for (int block = 0; block < s->outc; block += shape.channels) {
        shape.kernel(base, pixel_step, row_stride, s->kh, (int)row_taps, w + block, s->outc,
                     bias ? bias + block : 0, relu, count, out + (long)start * s->outc + block);
      }
    }
  }
}
