#include "few_output_conv.h"
#include "vector_lanes.h"

#include <string.h>

/// Output rows rounded up to whole vectors of 16: the filter gradient's rows of output
/// gradients, zero past the row's end.
static int padded_output_width(const dlg_conv_sizes *s) { return (s->ow + 15) / 16 * 16; }

/// The padded planes' row length: wide enough that a vector of pixels starting at any
/// output column either kernel uses reads inside the row.
static int plane_width(const dlg_conv_sizes *s) {
  int padded = s->w + s->pad_left + s->pad_right;
  int reach = padded_output_width(s) + s->kw - 1;
  return padded > reach ? padded : reach;
}

static int plane_height(const dlg_conv_sizes *s) { return s->h + s->pad_top + s->pad_bottom; }

int dlg_few_output_conv_applies(const dlg_conv_sizes *s) {
  if (dlg_vector_lanes_available() < 8) return 0;
  if (s->outc < 1 || s->outc > 16 || s->ow < 8 || s->oh < 1 || s->c < 1) return 0;
  // Stride 1 is what the output size says: one output per input position the filter fits.
  if (s->oh != plane_height(s) - s->kh + 1) return 0;
  if (s->ow != s->w + s->pad_left + s->pad_right - s->kw + 1) return 0;
  // The planes are indexed with ints.
  long plane = (long)plane_width(s) * plane_height(s);
  return plane * s->c < (1L << 30);
}

long dlg_few_output_conv_scratch(const dlg_conv_sizes *s) {
  return (long)plane_width(s) * plane_height(s) * s->c;
}

long dlg_few_output_conv_filter_gradient_scratch(const dlg_conv_sizes *s) {
  return dlg_few_output_conv_scratch(s) + (long)s->outc * s->oh * padded_output_width(s);
}

/// Copies image `image` into `planes`: channel by channel, with its zero border.
static void fill_planes(const dlg_conv_sizes *s, const float *x, long image, int pw,
                        float *planes) {
  int ph = plane_height(s);
  memset(planes, 0, sizeof(float) * (size_t)pw * ph * s->c);
  const float *source = x + image * s->h * s->w * s->c;
  for (int y = 0; y < s->h; y++) {
    for (int xx = 0; xx < s->w; xx++) {
      const float *pixel = source + ((long)y * s->w + xx) * s->c;
      long at = (long)(y + s->pad_top) * pw + xx + s->pad_left;
      for (int c = 0; c < s->c; c++) planes[c * (long)pw * ph + at] = pixel[c];
    }
  }
}

/// ROWS output rows of one image (at most 4, consecutive): vectors of L pixels, the output
/// channels in groups of at most G registers (G = 16 with AVX-512's 32 registers, 8 with AVX2's
/// 16). A group's size COUNT is a constant where it is inlined, and so is P, the rows it takes
/// at once: as many as the REGS registers hold, P × COUNT sums beside P input vectors and a
/// broadcast weight, so each weight broadcast serves P rows. One row at a time loaded 7 values
/// for 6 multiply-adds at LeNet's 6 outputs; 4 rows load 10 for 24. A last vector that would
/// pass the row's end starts earlier instead and recomputes a few pixels.
#define FEW_OUTPUT_ROW(NAME, TARGET, L, G, REGS)                                                 \
  typedef float NAME##_vector __attribute__((ext_vector_type(L)));                              \
  typedef int NAME##_mask __attribute__((ext_vector_type(L)));                                  \
  __attribute__((target(TARGET), always_inline)) static inline void NAME##_rows(                \
      const int COUNT, const int P, const dlg_conv_sizes *s, const float *planes, int pw,      \
      int oy, int start, const float *w, const float *bias, int relu, float *y) {              \
    int ph = plane_height(s);                                                                    \
    NAME##_vector sums[4][G];                                                                    \
    for (int p = 0; p < P; p++)                                                                  \
      for (int o = 0; o < COUNT; o++) sums[p][o] = (NAME##_vector)(0.0f);                        \
    for (int c = 0; c < s->c; c++) {                                                             \
      const float *plane = planes + c * (long)pw * ph;                                           \
      for (int ky = 0; ky < s->kh; ky++) {                                                       \
        const float *row = plane + (long)(oy + ky) * pw + start;                                 \
        const float *taps = w + ((long)ky * s->kw * s->c + c) * s->outc;                         \
        for (int kx = 0; kx < s->kw; kx++) {                                                     \
          NAME##_vector v[4];                                                                    \
          for (int p = 0; p < P; p++) memcpy(&v[p], row + (long)p * pw + kx, sizeof v[p]);       \
          const float *tap = taps + (long)kx * s->c * s->outc;                                   \
          for (int o = 0; o < COUNT; o++) {                                                      \
            float weight = tap[o];                                                               \
            for (int p = 0; p < P; p++) sums[p][o] += v[p] * weight;                             \
          }                                                                                      \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
    /* Channel-major sums to NHWC pixels, ReLU first as a mask of the negative lanes (a NaN  \
       is not negative, so it stays, as in the other kernels). */                                \
    for (int p = 0; p < P; p++) {                                                                \
      float out[G][L];                                                                           \
      for (int o = 0; o < COUNT; o++) {                                                          \
        NAME##_vector v = sums[p][o] + (bias ? bias[o] : 0.0f);                                  \
        if (relu) v = (NAME##_vector)((NAME##_mask)v & ~(v < 0.0f));                             \
        memcpy(out[o], &v, sizeof v);                                                            \
      }                                                                                          \
      float *pixels = y + (long)p * s->ow * s->outc;                                             \
      for (int j = 0; j < L; j++) {                                                              \
        float *pixel = pixels + (long)(start + j) * s->outc;                                     \
        for (int o = 0; o < COUNT; o++) pixel[o] = out[o][j];                                    \
      }                                                                                          \
    }                                                                                            \
  }                                                                                              \
                                                                                                 \
  /* One group of COUNT outputs over `rows` rows: P at a time, then one at a time. */            \
  __attribute__((target(TARGET), always_inline)) static inline void NAME##_group(               \
      const int COUNT, const dlg_conv_sizes *s, const float *planes, int pw, int oy, int rows,  \
      int start, const float *w, const float *bias, int relu, float *y) {                       \
    const int fit = (REGS - 1) / (COUNT + 1);                                                    \
    const int P = fit > 4 ? 4 : fit < 1 ? 1 : fit;                                               \
    int done = 0;                                                                                \
    for (; done + P <= rows; done += P)                                                          \
      NAME##_rows(COUNT, P, s, planes, pw, oy + done, start, w, bias, relu,                      \
                  y + (long)done * s->ow * s->outc);                                             \
    for (; done < rows; done++)                                                                  \
      NAME##_rows(COUNT, 1, s, planes, pw, oy + done, start, w, bias, relu,                      \
                  y + (long)done * s->ow * s->outc);                                             \
  }                                                                                              \
                                                                                                 \
  __attribute__((target(TARGET))) static void NAME(const dlg_conv_sizes *s, const float *planes, \
                                                   int pw, int oy, int rows, const float *w,     \
                                                   const float *bias, int relu, float *y) {      \
    for (int ox = 0; ox < s->ow; ox += L) {                                                      \
      int start = ox + L <= s->ow ? ox : s->ow - L;                                              \
      for (int group = 0; group < s->outc; group += G) {                                         \
        int count = s->outc - group < G ? s->outc - group : G;                                   \
        const float *wg = w + group, *bg = bias ? bias + group : 0;                              \
        float *yg = y + group;                                                                   \
        switch (count) {                                                                         \
        FEW_OUTPUT_CASES(NAME, G)                                                                \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  }

#define FEW_OUTPUT_CASE(NAME, K)                                                                 \
  case K: NAME##_group(K, s, planes, pw, oy, rows, start, wg, bg, relu, yg); break;
#define FEW_OUTPUT_CASES_8(NAME)                                                                 \
  FEW_OUTPUT_CASE(NAME, 1) FEW_OUTPUT_CASE(NAME, 2) FEW_OUTPUT_CASE(NAME, 3)                     \
  FEW_OUTPUT_CASE(NAME, 4) FEW_OUTPUT_CASE(NAME, 5) FEW_OUTPUT_CASE(NAME, 6)                     \
  FEW_OUTPUT_CASE(NAME, 7) FEW_OUTPUT_CASE(NAME, 8)
#define FEW_OUTPUT_CASES_16(NAME)                                                                \
  FEW_OUTPUT_CASES_8(NAME) FEW_OUTPUT_CASE(NAME, 9) FEW_OUTPUT_CASE(NAME, 10)                    \
  FEW_OUTPUT_CASE(NAME, 11) FEW_OUTPUT_CASE(NAME, 12) FEW_OUTPUT_CASE(NAME, 13)                  \
  FEW_OUTPUT_CASE(NAME, 14) FEW_OUTPUT_CASE(NAME, 15) FEW_OUTPUT_CASE(NAME, 16)
#define FEW_OUTPUT_CASES(NAME, G) FEW_OUTPUT_CASES_##G(NAME)

#if defined(__x86_64__)
FEW_OUTPUT_ROW(row_avx512, "avx512f", 16, 16, 32)
FEW_OUTPUT_ROW(row_avx2, "avx2,fma", 8, 8, 16)
#endif

void dlg_few_output_conv(const dlg_conv_sizes *s, const float *x, const float *w,
                         const float *bias, int relu, long first, long last, float *y,
                         float *scratch) {
  int lanes = dlg_vector_lanes();
  int pw = plane_width(s);
  long filled = -1;
  long r = first;
  while (r < last) {
    long image = r / s->oh;
    int oy = (int)(r % s->oh);
    // Up to 4 rows at once, all of one image.
    long left_in_image = s->oh - oy, left = last - r;
    int rows = (int)(left_in_image < left ? left_in_image : left);
    if (rows > 4) rows = 4;
    if (image != filled) {
      fill_planes(s, x, image, pw, scratch);
      filled = image;
    }
    float *out = y + r * s->ow * s->outc;
    r += rows;
#if defined(__x86_64__)
    // Rows narrower than 16 pixels take the 8-pixel vectors (`applies` wants 8 at least), as
    // does a CPU without AVX-512 or a test that caps the lanes at 8 or 1.
    if (lanes >= 16 && s->ow >= 16) {
      row_avx512(s, scratch, pw, oy, rows, w, bias, relu, out);
    } else {
      row_avx2(s, scratch, pw, oy, rows, w, bias, relu, out);
    }
#else
    (void)lanes, (void)oy, (void)rows, (void)out, (void)w, (void)bias, (void)relu;
#endif
  }
}

/// Copies the output gradient of image `image` into `planes`, channel by channel, each row
/// zero past its end up to a whole number of vectors.
static void fill_gradient_planes(const dlg_conv_sizes *s, const float *dy, long image, int owp,
                                 float *planes) {
  const float *source = dy + image * s->oh * s->ow * s->outc;
  for (int o = 0; o < s->outc; o++) {
    float *plane = planes + (long)o * s->oh * owp;
    for (int oy = 0; oy < s->oh; oy++) {
      float *row = plane + (long)oy * owp;
      const float *pixels = source + (long)oy * s->ow * s->outc + o;
      for (int ox = 0; ox < s->ow; ox++) row[ox] = pixels[(long)ox * s->outc];
      for (int ox = s->ow; ox < owp; ox++) row[ox] = 0;
    }
  }
}

/// The filter gradient of one image, added to dw: for every tap, each output channel of a
/// group (a constant COUNT of at most 16, so its sums stay in registers) sums the input plane
/// under the tap times its output gradient over the image, a vector of L pixels at a time.
/// T taps go together (as many as the REGS vector registers hold beside the COUNT gradient
/// vectors, at most 4), so each gradient vector loaded serves T taps: one tap at a time
/// loaded 7 vectors for 6 multiply-adds at LeNet's 6 outputs, 4 taps load 10 for 24. Each
/// tap's sum runs in the same order as alone, so the result does not change.
#define FEW_OUTPUT_FILTER(NAME, TARGET, L, G, REGS)                                              \
  typedef float NAME##_vector __attribute__((ext_vector_type(L)));                              \
  __attribute__((target(TARGET), always_inline)) static inline void NAME##_taps(                \
      const int COUNT, const int T, const dlg_conv_sizes *s, const float *plane, int pw,       \
      const long *offsets, const float *gradients, int owp, float *const *out) {                \
    long stride = (long)s->oh * owp;                                                             \
    NAME##_vector sums[4][G];                                                                    \
    for (int t = 0; t < T; t++)                                                                  \
      for (int o = 0; o < COUNT; o++) sums[t][o] = (NAME##_vector)(0.0f);                        \
    for (int oy = 0; oy < s->oh; oy++) {                                                         \
      const float *inputs = plane + (long)oy * pw;                                               \
      const float *row = gradients + (long)oy * owp;                                             \
      for (int ox = 0; ox < owp; ox += L) {                                                      \
        NAME##_vector d[G];                                                                      \
        for (int o = 0; o < COUNT; o++) memcpy(&d[o], row + o * stride + ox, sizeof d[o]);      \
        for (int t = 0; t < T; t++) {                                                            \
          NAME##_vector v;                                                                       \
          memcpy(&v, inputs + offsets[t] + ox, sizeof v);                                        \
          for (int o = 0; o < COUNT; o++) sums[t][o] += v * d[o];                                \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
    for (int t = 0; t < T; t++)                                                                  \
      for (int o = 0; o < COUNT; o++) {                                                          \
        float lanes[L], total = 0;                                                               \
        memcpy(lanes, &sums[t][o], sizeof lanes);                                                \
        for (int j = 0; j < L; j++) total += lanes[j];                                           \
        out[t][o] += total;                                                                      \
      }                                                                                          \
  }                                                                                              \
                                                                                                 \
  __attribute__((target(TARGET), always_inline)) static inline void NAME##_group(               \
      const int COUNT, const dlg_conv_sizes *s, const float *planes, int pw,                    \
      const float *gradients, int owp, float *dw) {                                              \
    const int fit = (REGS - 1 - COUNT) / COUNT;                                                  \
    const int T = fit > 4 ? 4 : fit < 1 ? 1 : fit;                                               \
    int ph = plane_height(s), taps = s->kh * s->kw;                                              \
    for (int c = 0; c < s->c; c++) {                                                             \
      const float *plane = planes + c * (long)pw * ph;                                           \
      long offsets[4];                                                                           \
      float *out[4];                                                                             \
      int tap = 0;                                                                               \
      for (; tap < taps; tap += T) {                                                             \
        int n = taps - tap < T ? taps - tap : T;                                                 \
        for (int t = 0; t < n; t++) {                                                            \
          int ky = (tap + t) / s->kw, kx = (tap + t) % s->kw;                                    \
          offsets[t] = (long)ky * pw + kx;                                                       \
          out[t] = dw + ((long)(tap + t) * s->c + c) * s->outc;                                  \
        }                                                                                        \
        if (n == T) {                                                                            \
          NAME##_taps(COUNT, T, s, plane, pw, offsets, gradients, owp, out);                     \
        } else {                                                                                 \
          for (int t = 0; t < n; t++)                                                            \
            NAME##_taps(COUNT, 1, s, plane, pw, offsets + t, gradients, owp, out + t);           \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  }                                                                                              \
                                                                                                 \
  __attribute__((target(TARGET))) static void NAME(const dlg_conv_sizes *s, const float *planes, \
                                                   int pw, const float *gradients, int owp,      \
                                                   float *dw) {                                  \
    for (int group = 0; group < s->outc; group += G) {                                           \
      int count = s->outc - group < G ? s->outc - group : G;                                     \
      const float *gg = gradients + (long)group * s->oh * owp;                                   \
      float *wg = dw + group;                                                                    \
      switch (count) {                                                                           \
      FEW_OUTPUT_FILTER_CASES(NAME, G)                                                           \
      }                                                                                          \
    }                                                                                            \
  }

#define FEW_OUTPUT_FILTER_CASE(NAME, K)                                                          \
  case K: NAME##_group(K, s, planes, pw, gg, owp, wg); break;
#define FEW_OUTPUT_FILTER_CASES_8(NAME)                                                          \
  FEW_OUTPUT_FILTER_CASE(NAME, 1) FEW_OUTPUT_FILTER_CASE(NAME, 2)                                \
  FEW_OUTPUT_FILTER_CASE(NAME, 3) FEW_OUTPUT_FILTER_CASE(NAME, 4)                                \
  FEW_OUTPUT_FILTER_CASE(NAME, 5) FEW_OUTPUT_FILTER_CASE(NAME, 6)                                \
  FEW_OUTPUT_FILTER_CASE(NAME, 7) FEW_OUTPUT_FILTER_CASE(NAME, 8)
#define FEW_OUTPUT_FILTER_CASES_16(NAME)                                                         \
  FEW_OUTPUT_FILTER_CASES_8(NAME) FEW_OUTPUT_FILTER_CASE(NAME, 9)                                \
  FEW_OUTPUT_FILTER_CASE(NAME, 10) FEW_OUTPUT_FILTER_CASE(NAME, 11)                              \
  FEW_OUTPUT_FILTER_CASE(NAME, 12) FEW_OUTPUT_FILTER_CASE(NAME, 13)                              \
  FEW_OUTPUT_FILTER_CASE(NAME, 14) FEW_OUTPUT_FILTER_CASE(NAME, 15)                              \
  FEW_OUTPUT_FILTER_CASE(NAME, 16)
#define FEW_OUTPUT_FILTER_CASES(NAME, G) FEW_OUTPUT_FILTER_CASES_##G(NAME)

#if defined(__x86_64__)
FEW_OUTPUT_FILTER(filter_avx512, "avx512f", 16, 16, 32)
FEW_OUTPUT_FILTER(filter_avx2, "avx2,fma", 8, 8, 16)
#endif

void dlg_few_output_conv_filter_gradient(const dlg_conv_sizes *s, const float *x,
                                         const float *dy, long first, long last, float *dw,
                                         float *scratch) {
  int pw = plane_width(s), owp = padded_output_width(s);
  float *planes = scratch, *gradients = scratch + dlg_few_output_conv_scratch(s);
  for (long image = first; image < last; image++) {
    fill_planes(s, x, image, pw, planes);
    fill_gradient_planes(s, dy, image, owp, gradients);
#if defined(__x86_64__)
    if (dlg_vector_lanes() >= 16) {
      filter_avx512(s, planes, pw, gradients, owp, dw);
    } else {
      filter_avx2(s, planes, pw, gradients, owp, dw);
    }
#else
    (void)dw;
#endif
  }
}
