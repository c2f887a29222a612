#include "vector_lanes.h"

#if defined(__x86_64__)
#include <cpuid.h>

/// The widest vectors this CPU and OS can use, in float lanes: 16 (AVX-512F), 8 (AVX2 and
/// FMA) or 1. Worked out once; threads that race to it store the same value.
static int detected_lanes(void) {
  static int known = -1;
  int cached = __atomic_load_n(&known, __ATOMIC_RELAXED);
  if (cached >= 0) return cached;
  unsigned a, b, c, d;
  int lanes = 1;
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    // The OS must save the ymm registers (XCR0 bits 1 and 2) for AVX to be usable, and the
    // opmask and zmm registers too (bits 5 to 7) for AVX-512.
    if (fma && osxsave && avx) {
      unsigned lo, hi;
      __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
      if ((lo & 6) == 6 && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if ((b >> 5) & 1) lanes = 8;
        if (lanes == 8 && ((b >> 16) & 1) && (lo & 0xE6) == 0xE6) lanes = 16;
      }
    }
  }
  __atomic_store_n(&known, lanes, __ATOMIC_RELAXED);
  return lanes;
}

static int lane_cap = 16;

void dlg_cap_vector_lanes(int lanes) {
  __atomic_store_n(&lane_cap, lanes < 1 ? 1 : lanes, __ATOMIC_RELAXED);
}

int dlg_vector_lanes_available(void) { return detected_lanes(); }

int dlg_vector_lanes(void) {
  int lanes = detected_lanes(), cap = __atomic_load_n(&lane_cap, __ATOMIC_RELAXED);
  while (lanes > cap) lanes = lanes == 16 ? 8 : 1;
  return lanes;
}

#else
void dlg_cap_vector_lanes(int lanes) { (void)lanes; }

int dlg_vector_lanes(void) { return 1; }

int dlg_vector_lanes_available(void) { return 1; }
#endif
