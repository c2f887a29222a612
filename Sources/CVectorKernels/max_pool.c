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

/// Both passes on vectors of L channels (masks are integer vectors of as many lanes).
#define MAX_POOL(NAME, ATTRIBUTES, L)                                                                \
  typedef float NAME##_vector __attribute__((ext_vector_type(L)));                              \
  typedef int NAME##_mask __attribute__((ext_vector_type(L)));                                  \
  ATTRIBUTES static void NAME##_forward(                                   \
      const dlg_pool_sizes *s, const float *x, long first, long last, float *y) {               \
    const int c = s->c;                                                                          \
    for (long n = first; n < last; n++) {                                                        \
      const float *image = x + n * s->h * s->w * c;                                              \
      float *out = y + n * s->oh * s->ow * c;                                                    \
      for (int oy = 0; oy < s->oh; oy++) {                                                       \
        for (int ox = 0; ox < s->ow; ox++, out += c) {                                           \
          int y0, y1, x0, x1;                                                                    \
          window(s, oy, ox, &y0, &y1, &x0, &x1);                                                 \
          int k = 0;                                                                             \
          for (; k + L <= c; k += L) {                                                           \
            NAME##_vector best = (NAME##_vector)(-__builtin_inff());                             \
            for (int iy = y0; iy < y1; iy++)                                                     \
              for (int ix = x0; ix < x1; ix++) {                                                 \
                NAME##_vector v;                                                                 \
                memcpy(&v, image + ((long)iy * s->w + ix) * c + k, sizeof v);                    \
                NAME##_mask greater = v > best;                                                  \
                best = (NAME##_vector)(((NAME##_mask)v & greater) |                              \
                                       ((NAME##_mask)best & ~greater));                          \
              }                                                                                  \
            memcpy(out + k, &best, sizeof best);                                                 \
          }                                                                                      \
          for (; k < c; k++) {                                                                   \
            float best = -__builtin_inff();                                                      \
            for (int iy = y0; iy < y1; iy++)                                                     \
              for (int ix = x0; ix < x1; ix++) {                                                 \
                float v = image[((long)iy * s->w + ix) * c + k];                                 \
                if (v > best) best = v;                                                          \
              }                                                                                  \
            out[k] = best;                                                                       \
          }                                                                                      \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  }                                                                                              \
                                                                                                 \
  ATTRIBUTES static void NAME##_backward(                                  \
      const dlg_pool_sizes *s, const float *x, const float *y, const float *dy, long first,     \
      long last, float *dx) {                                                                    \
    const int c = s->c;                                                                          \
    long image_size = (long)s->h * s->w * c, out_size = (long)s->oh * s->ow * c;                 \
    for (long n = first; n < last; n++) {                                                        \
      const float *image = x + n * image_size;                                                   \
      float *gradient = dx + n * image_size;                                                     \
      memset(gradient, 0, sizeof(float) * (size_t)image_size);                                   \
      long at = n * out_size;                                                                    \
      for (int oy = 0; oy < s->oh; oy++) {                                                       \
        for (int ox = 0; ox < s->ow; ox++, at += c) {                                            \
          int y0, y1, x0, x1;                                                                    \
          window(s, oy, ox, &y0, &y1, &x0, &x1);                                                 \
          int k = 0;                                                                             \
          for (; k + L <= c; k += L) {                                                           \
            NAME##_vector best, g;                                                               \
            memcpy(&best, y + at + k, sizeof best);                                              \
            memcpy(&g, dy + at + k, sizeof g);                                                   \
            /* Lanes whose maximum was found already route nothing more. */                      \
            NAME##_mask pending = (NAME##_mask)(-1);                                             \
            for (int iy = y0; iy < y1; iy++)                                                     \
              for (int ix = x0; ix < x1; ix++) {                                                 \
                long offset = ((long)iy * s->w + ix) * c + k;                                    \
                NAME##_vector v, t;                                                              \
                memcpy(&v, image + offset, sizeof v);                                            \
                NAME##_mask hit = pending & (v == best);                                         \
                memcpy(&t, gradient + offset, sizeof t);                                         \
                t += (NAME##_vector)((NAME##_mask)g & hit);                                      \
                memcpy(gradient + offset, &t, sizeof t);                                         \
                pending &= ~hit;                                                                 \
              }                                                                                  \
          }                                                                                      \
          for (; k < c; k++) {                                                                   \
            int routed = 0;                                                                      \
            for (int iy = y0; iy < y1 && !routed; iy++)                                          \
              for (int ix = x0; ix < x1 && !routed; ix++) {                                      \
                long offset = ((long)iy * s->w + ix) * c + k;                                    \
                if (image[offset] == y[at + k]) {                                                \
                  gradient[offset] += dy[at + k];                                                \
                  routed = 1;                                                                    \
                }                                                                                \
              }                                                                                  \
          }                                                                                      \
        }                                                                                        \
      }                                                                                          \
    }                                                                                            \
  }

#if defined(__x86_64__)
MAX_POOL(pool_avx512, __attribute__((target("avx512f"))), 16)
MAX_POOL(pool_avx2, __attribute__((target("avx2,fma"))), 8)
#endif
MAX_POOL(pool_portable, , 4)

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
