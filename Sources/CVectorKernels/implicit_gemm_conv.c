#include "implicit_gemm_conv.h"
#include "vector_lanes.h"

#include <string.h>

/// The most pixels a tile has.
#define MAX_TILE_PIXELS 8

int dlg_implicit_gemm_conv_applies(const dlg_conv_sizes *s) {
  if (dlg_vector_lanes_available() < 8) return 0;
  if (s->n < 1 || s->h < 1 || s->w < 1 || s->c < 1 || s->kh < 1 || s->kw < 1) return 0;
  if (s->oh < 1 || s->stride_h < 1 || s->stride_w < 1) return 0;
  // Rows of at least a whole tile, so that every part of the work (whole rows) has a tile's
  // pixels; the CIFAR-10 CNN's last layer, 4 pixels a row, runs as fast through im2col.
  if (s->ow < MAX_TILE_PIXELS) return 0;
  return s->outc >= 16 && s->outc % 16 == 0;
}

static int has_padding(const dlg_conv_sizes *s) {
  return s->pad_top || s->pad_left || s->pad_bottom || s->pad_right;
}

static long padded_width(const dlg_conv_sizes *s) {
  return (long)s->w + s->pad_left + s->pad_right;
}

long dlg_implicit_gemm_conv_scratch(const dlg_conv_sizes *s) {
  if (!has_padding(s)) return 0;
  return ((long)s->h + s->pad_top + s->pad_bottom) * padded_width(s) * s->c;
}

/// One tile: PIX output pixels, whose windows start at `windows[p]` (kernel rows
/// `row_stride` floats apart, `row_taps` contiguous taps each), times VEC vectors of L output
/// channels (the filter's columns from `w`, `outc` floats a tap), PIX × VEC sums in registers.
/// Pixel p's outputs go to `y + p * outc`.
#define IMPLICIT_GEMM_TILE(NAME, TARGET, L, VEC, PIX)                                           \
  typedef float NAME##_vector __attribute__((ext_vector_type(L)));                              \
  typedef int NAME##_mask __attribute__((ext_vector_type(L)));                                  \
  __attribute__((target(TARGET))) static void NAME(                                             \
      const float *const *windows, long row_stride, int kh, int row_taps, const float *w,       \
      long outc, const float *bias, int relu, float *y) {                                        \
    NAME##_vector sums[PIX][VEC];                                                                \
    for (int v = 0; v < VEC; v++) {                                                              \
      NAME##_vector start = (NAME##_vector)(0.0f);                                               \
      if (bias) memcpy(&start, bias + v * L, sizeof start);                                      \
      for (int p = 0; p < PIX; p++) sums[p][v] = start;                                          \
    }                                                                                            \
    const float *rows[PIX];                                                                      \
    for (int p = 0; p < PIX; p++) rows[p] = windows[p];                                          \
    const float *taps = w;                                                                       \
    for (int ky = 0; ky < kh; ky++) {                                                            \
      for (int j = 0; j < row_taps; j++) {                                                       \
        NAME##_vector weights[VEC];                                                              \
        for (int v = 0; v < VEC; v++) memcpy(&weights[v], taps + v * L, sizeof weights[v]);     \
        for (int p = 0; p < PIX; p++) {                                                          \
          float input = rows[p][j];                                                              \
          for (int v = 0; v < VEC; v++) sums[p][v] += input * weights[v];                        \
        }                                                                                        \
        taps += outc;                                                                            \
      }                                                                                          \
      for (int p = 0; p < PIX; p++) rows[p] += row_stride;                                       \
    }                                                                                            \
    for (int p = 0; p < PIX; p++) {                                                              \
      for (int v = 0; v < VEC; v++) {                                                            \
        NAME##_vector out = sums[p][v];                                                          \
        /* ReLU as a mask of the negative lanes: a NaN is not negative, so it stays. */          \
        if (relu) out = (NAME##_vector)((NAME##_mask)out & ~(out < 0.0f));                       \
        memcpy(y + p * outc + v * L, &out, sizeof out);                                          \
      }                                                                                          \
    }                                                                                            \
  }

typedef void (*tile_kernel)(const float *const *windows, long row_stride, int kh, int row_taps,
                            const float *w, long outc, const float *bias, int relu, float *y);

#if defined(__x86_64__)
IMPLICIT_GEMM_TILE(tile_avx512_64x6, "avx512f", 16, 4, 6)
IMPLICIT_GEMM_TILE(tile_avx512_48x8, "avx512f", 16, 3, 8)
IMPLICIT_GEMM_TILE(tile_avx512_32x8, "avx512f", 16, 2, 8)
IMPLICIT_GEMM_TILE(tile_avx512_16x8, "avx512f", 16, 1, 8)
IMPLICIT_GEMM_TILE(tile_avx2_16x6, "avx2,fma", 8, 2, 6)
#endif

/// The tile this CPU (within the lanes' cap) and this layer's channels take: its kernel, its
/// pixels and its channels. On AVX-512, 64 × 6, 48 × 8 and 32 × 8 keep 24 or 16 sums in
/// registers and measured alike (about 90% of the FMA peak on rows that are whole tiles); 16
/// channels a block reads too little per broadcast and is the last resort.
typedef struct {
  tile_kernel kernel;
  int pixels, channels;
} tile_shape;

static tile_shape shape_for(const dlg_conv_sizes *s) {
  tile_shape shape = {0, 1, 16};
#if defined(__x86_64__)
  if (dlg_vector_lanes() >= 16) {
    if (s->outc % 64 == 0) return (tile_shape){tile_avx512_64x6, 6, 64};
    if (s->outc % 48 == 0) return (tile_shape){tile_avx512_48x8, 8, 48};
    if (s->outc % 32 == 0) return (tile_shape){tile_avx512_32x8, 8, 32};
    return (tile_shape){tile_avx512_16x8, 8, 16};
  }
  shape = (tile_shape){tile_avx2_16x6, 6, 16};
#endif
  (void)s;
  return shape;
}

/// Copies image `image` into `padded` with its zero border.
static void pad_image(const dlg_conv_sizes *s, const float *x, long image, float *padded) {
  long pw = padded_width(s);
  memset(padded, 0, sizeof(float) * (size_t)dlg_implicit_gemm_conv_scratch(s));
  const float *source = x + image * s->h * s->w * s->c;
  for (int y = 0; y < s->h; y++) {
    memcpy(padded + (((long)y + s->pad_top) * pw + s->pad_left) * s->c,
           source + (long)y * s->w * s->c, sizeof(float) * (size_t)((long)s->w * s->c));
  }
}

void dlg_implicit_gemm_conv(const dlg_conv_sizes *s, const float *x, const float *w,
                            const float *bias, int relu, long first, long last, float *y,
                            float *scratch) {
  tile_shape shape = shape_for(s);
  if (!shape.kernel || first >= last) return;
  int pixels = shape.pixels;
  long row_taps = (long)s->kw * s->c;
  // Windows are read from the image itself, or from its padded copy: either way every window
  // lies whole in the source, `row_stride` floats a row.
  long source_width = has_padding(s) ? padded_width(s) : s->w;
  long row_stride = source_width * s->c;
  long image_size = (long)s->h * s->w * s->c;
  // Image by image, the part's rows of each as one run of pixels: a tile may cross from one
  // output row to the next (its windows are pointers), so a row of 13 pixels wastes no sums.
  for (long image = first / s->oh; image * s->oh < last; image++) {
    long from = (image * s->oh > first ? image * s->oh : first) * s->ow;
    long to = ((image + 1) * s->oh < last ? (image + 1) * s->oh : last) * s->ow;
    const float *source = x + image * image_size;
    if (has_padding(s)) {
      pad_image(s, x, image, scratch);
      source = scratch;
    }
    long image_start = image * s->oh * s->ow;
    for (long q = from; q < to; q += pixels) {
      // The run's last tile ends at its end, recomputing a few of its own pixels (every run
      // is whole rows of at least one tile: `applies` wants ow >= MAX_TILE_PIXELS).
      long start = q + pixels <= to ? q : to - pixels;
      const float *windows[MAX_TILE_PIXELS];
      for (int p = 0; p < pixels; p++) {
        long pixel = start + p - image_start;
        long oy = pixel / s->ow, ox = pixel % s->ow;
        windows[p] = source + (oy * s->stride_h * source_width + ox * s->stride_w) * s->c;
      }
      float *out = y + start * s->outc;
      for (int block = 0; block < s->outc; block += shape.channels) {
        shape.kernel(windows, row_stride, s->kh, (int)row_taps, w + block, s->outc,
                     bias ? bias + block : 0, relu, out + block);
      }
    }
  }
}
