#ifndef DLG_IMAGE_CODECS_H
#define DLG_IMAGE_CODECS_H

#include <stddef.h>

/// Pixels decoded from a PNG or JPEG file: `height` rows of `width` pixels of `channels`
/// 8-bit values, row-major; or, when decoding failed, `error` says why.
typedef struct {
  unsigned char *pixels;
  int width;
  int height;
  int channels;
  char error[256];
} dlg_image;

/// Decodes PNG (libpng) or JPEG (libjpeg-turbo) bytes into 1 (grayscale) or 3 (RGB) channels,
/// converting colour (ITU-R 601 luma for gray) and compositing transparency on black. Refuses images of more
/// than `max_pixels` pixels before allocating them. Returns 0 on success; on failure the
/// pixels are NULL and `error` holds the codec's message. libjpeg reports errors by
/// longjmp, which Swift cannot catch: that is why this is C.
int dlg_decode_image(const unsigned char *data, size_t size, int channels, long max_pixels,
                     dlg_image *image);

/// Frees the pixels of a decoded image.
void dlg_free_image(dlg_image *image);

/// Encodes 8-bit pixels (1 or 3 channels) as PNG, or as JPEG at `quality` (1-100) when
/// `quality` > 0; `*out` is malloc'd (free it with `dlg_free_bytes`). Returns 0 on success.
int dlg_encode_image(const unsigned char *pixels, int width, int height, int channels,
                     int quality, unsigned char **out, size_t *size);

void dlg_free_bytes(unsigned char *bytes);

#endif
