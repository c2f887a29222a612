#include "max_pool.h"
#include "vector_lanes.h"

#include <string.h>

/// The part of output pixel (oy, ox)'s window inside the image.
static void window(const dlg_pool_sizes *s, int oy, int ox, int *y0, int *y1, int *x0, int *x1) {
  int top = oy * s->stride_h - s->pad_top, left = ox * s->stride_w - s->pad_left;
  *y0 = top > 0 ? top : 0;
  *y1 = top + s->kh < s->h ? top + s->kh : s->h;
  *x0 = left > 0 ? left : 0;
  *x1 = left + s->kw < s->w ? left + s->kw : s->w;
}

/// Both passes on vectors of L channels (masks are integer vectors of as many lanes). A
/// pixel's last channels, fewer than L, take one vector too, through LOAD and STORE of `n`
/// lanes: LeNet's 6 channels were scalar loops, 0.21 ms for a gradient of 0.6 MB.
#define MAX_POOL(NAME, ATTRIBUTES, L, LOAD, STORE)                                               \
  typedef float NAME##_vector __attribute__((ext_vector_type(L)));                              \
  typedef int NAME##_mask __attribute__((ext_vector_type(L)));                                  \
  /* Lanes 0 to n - 1 of p; whole vectors are plain loads once this is inlined. */              \
  ATTRIBUTES static inline NAME##_vector NAME##_load(const float *p, int n) {                   \
    NAME##_vector v;                                                                             \
    if (n == L) {                                                                                \
      memcpy(&v, p, sizeof v);                                                                   \
    } else {                                                                                     \
      LOAD;                                                                                      \
    }                                                                                            \
    return v;                                                                                    \
  }                                                                                              \
  ATTRIBUTES static inline void NAME##_store(float *p, NAME##_vector v, int n) {                \
    if (n == L) {                                                                                \
      memcpy(p, &v, sizeof v);                                                                   \
    } else {                                                                                     \
      STORE;                                                                                     \
    }                                                                                            \
  }                                                                                              \
                                                                                                 \
  /* Channels k to k + n - 1 of one output pixel. */                                             \
  ATTRIBUTES static inline void NAME##_forward_lanes(const dlg_pool_sizes *s,                   \
                                                     const float *image, int y0, int y1, int x0, \
                                                     int x1, int k, int n, float *out) {        \
    NAME##_vector best = (NAME##_vector)(-__builtin_inff());                                     \
    for (int iy = y0; iy < y1; iy++)                                                             \
      for (int ix = x0; ix < x1; ix++) {                                                         \
        NAME##_vector v = NAME##_load(image + ((long)iy * s->w + ix) * s->c + k, n);             \
        NAME##_mask greater = v > best;                                                          \
        best = (NAME##_vector)(((NAME##_mask)v & greater) | ((NAME##_mask)best & ~greater));     \
      }                                                                                          \
    NAME##_store(out + k, best, n);                                                              \
  }                                                                                              \
                                                                                                 \
  ATTRIBUTES static void NAME##_forward(const dlg_pool_sizes *s, const float *x, long first,   \
                                        long last, float *y) {                                   \
    const int c = s->c;                                                                          \
    for (long n = first; n < last; n++) {                                                        \
      const float *image = x + n * s->h * s->w * c;                                              \
      float *out = y + n * s->oh * s->ow * c;                                                    \
      for (int oy = 0; oy < s->oh; oy++) {                                                       \
        for (int ox = 0; ox < s->ow; ox++, out += c) {                                           \
          int y0, y1, x0, x1;                                                                    \
          window(s, oy, ox, &y0, &y1, &x0, &x1);                                                 \
          int k = 0;                                                                             \
          for (; k + L <= c; k += L) NAME##_forward_lanes(s, image, y0, y1, x0, x1, k, L, out);  \
          if (k < c) NAME##_forward_lanes(s, image, y0, y1, x0, x1, k, c - k, out);              \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  }                                                                                              \
                                                                                                 \
  /* Channels k to k + n - 1 of one output pixel's gradient, routed to its maximum. */           \
  ATTRIBUTES static inline void NAME##_backward_lanes(                                          \
      const dlg_pool_sizes *s, const float *image, const float *y, const float *dy,             \
      float *gradient, long at, int y0, int y1, int x0, int x1, int k, int n, int tiles) {      \
    NAME##_vector best = NAME##_load(y + at + k, n), g = NAME##_load(dy + at + k, n);           \
    /* Lanes whose maximum was found already route nothing more. */                              \
    NAME##_mask pending = (NAME##_mask)(-1);                                                     \
    for (int iy = y0; iy < y1; iy++)                                                             \
      for (int ix = x0; ix < x1; ix++) {                                                         \
        long offset = ((long)iy * s->w + ix) * s->c + k;                                         \
        NAME##_vector v = NAME##_load(image + offset, n);                                        \
        NAME##_mask hit = pending & (v == best);                                                 \
        NAME##_vector t = (NAME##_vector)((NAME##_mask)g & hit);                                 \
        if (!tiles) t += NAME##_load(gradient + offset, n);                                      \
        NAME##_store(gradient + offset, t, n);                                                   \
        pending &= ~hit;                                                                         \
      }                                                                                          \
  }                                                                                              \
                                                                                                 \
  ATTRIBUTES static void NAME##_backward(const dlg_pool_sizes *s, const float *x,              \
                                         const float *y, const float *dy, long first,           \
                                         long last, float *dx) {                                 \
    const int c = s->c;                                                                          \
    long image_size = (long)s->h * s->w * c, out_size = (long)s->oh * s->ow * c;                 \
    /* Windows that tile the image (2 × 2 by 2, no padding, nothing left over) cover every     \
       input once: each gradient is written, not added to a zeroed image. */                     \
    int tiles = s->stride_h == s->kh && s->stride_w == s->kw && s->pad_top == 0 &&              \
                s->pad_left == 0 && s->oh * s->kh == s->h && s->ow * s->kw == s->w;             \
    for (long n = first; n < last; n++) {                                                        \
      const float *image = x + n * image_size;                                                   \
      float *gradient = dx + n * image_size;                                                     \
      if (!tiles) memset(gradient, 0, sizeof(float) * (size_t)image_size);                       \
      long at = n * out_size;                                                                    \
      for (int oy = 0; oy < s->oh; oy++) {                                                       \
        for (int ox = 0; ox < s->ow; ox++, at += c) {                                            \
          int y0, y1, x0, x1;                                                                    \
          window(s, oy, ox, &y0, &y1, &x0, &x1);                                                 \
          int k = 0;                                                                             \
          for (; k + L <= c; k += L)                                                             \
            NAME##_backward_lanes(s, image, y, dy, gradient, at, y0, y1, x0, x1, k, L, tiles);   \
          if (k < c)                                                                             \
            NAME##_backward_lanes(s, image, y, dy, gradient, at, y0, y1, x0, x1, k, c - k,       \
                                  tiles);                                                        \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  }

#if defined(__x86_64__)
#include <immintrin.h>
// AVX-512's masked moves touch only the lanes asked for. AVX2's masked store is slow on AMD
// cores, but it runs once a pixel, for the last channels only.
#define LOAD_512 __m512 m = _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p); memcpy(&v, &m, sizeof v)
#define STORE_512 __m512 m; memcpy(&m, &v, sizeof m); _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), m)
#define MASK_256 _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define LOAD_256 __m256 m = _mm256_maskload_ps(p, MASK_256); memcpy(&v, &m, sizeof v)
#define STORE_256 __m256 m; memcpy(&m, &v, sizeof m); _mm256_maskstore_ps(p, MASK_256, m)
MAX_POOL(pool_avx512, __attribute__((target("avx512f"))), 16, LOAD_512, STORE_512)
MAX_POOL(pool_avx2, __attribute__((target("avx2,fma"))), 8, LOAD_256, STORE_256)
#endif
#define LOAD_PORTABLE                                                                            \
  float lanes[4] = {0, 0, 0, 0};                                                                 \
  memcpy(lanes, p, sizeof(float) * (size_t)n);                                                   \
  memcpy(&v, lanes, sizeof v)
#define STORE_PORTABLE                                                                           \
  float lanes[4];                                                                                \
  memcpy(lanes, &v, sizeof v);                                                                   \
  memcpy(p, lanes, sizeof(float) * (size_t)n)
MAX_POOL(pool_portable, , 4, LOAD_PORTABLE, STORE_PORTABLE)

void dlg_max_pool(const dlg_pool_sizes *s, const float *x, long first, long last, float *y) {
#if defined(__x86_64__)
  int lanes = dlg_vector_lanes();
  if (lanes >= 16) return pool_avx512_forward(s, x, first, last, y);
  if (lanes >= 8) return pool_avx2_forward(s, x, first, last, y);
#endif
  pool_portable_forward(s, x, first, last, y);
}

void dlg_max_pool_gradient(const dlg_pool_sizes *s, const float *x, const float *y,
                           const float *dy, long first, long last, float *dx) {
#if defined(__x86_64__)
  int lanes = dlg_vector_lanes();
  if (lanes >= 16) return pool_avx512_backward(s, x, y, dy, first, last, dx);
  if (lanes >= 8) return pool_avx2_backward(s, x, y, dy, first, last, dx);
#endif
  pool_portable_backward(s, x, y, dy, first, last, dx);
}
