#include "image_codecs.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <jpeglib.h>
#include <stdlib.h>
#include <string.h>

static int fail(dlg_image *image, const char *message) {
  snprintf(image->error, sizeof image->error, "%s", message);
  free(image->pixels);
  image->pixels = NULL;
  return 1;
}

static int decode_png(const unsigned char *data, size_t size, long max_pixels,
                      dlg_image *image) {
  png_image png;
  memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, data, size)) return fail(image, png.message);
  if ((long)png.width * (long)png.height > max_pixels) {
    png_image_free(&png);
    snprintf(image->error, sizeof image->error, "the image is %ux%u pixels, more than dlg reads",
             png.width, png.height);
    return 1;
  }
  // Decoded in the file's own colour (gray or RGB); converting to the channels asked is done
  // by `convert`, the same for PNG and JPEG.
  int native = (png.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  png.format = native == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  image->pixels = malloc(PNG_IMAGE_SIZE(png));
  if (!image->pixels) {
    png_image_free(&png);
    return fail(image, "out of memory");
  }
  png_color black = {0, 0, 0};
  if (!png_image_finish_read(&png, &black, image->pixels, 0, NULL)) return fail(image, png.message);
  image->width = (int)png.width;
  image->height = (int)png.height;
  image->channels = native;
  return 0;
}

struct jpeg_failure {
  struct jpeg_error_mgr manager;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

static void jpeg_exit(j_common_ptr info) {
  struct jpeg_failure *failure = (struct jpeg_failure *)info->err;
  (*info->err->format_message)(info, failure->message);
  longjmp(failure->jump, 1);
}

/// Corrupt-data warnings would only go to stderr: a truncated file is an error here.
static void jpeg_warning(j_common_ptr info, int level) {
  if (level < 0) jpeg_exit(info);
}

static int decode_jpeg(const unsigned char *data, size_t size, long max_pixels,
                       dlg_image *image) {
  struct jpeg_decompress_struct info;
  struct jpeg_failure failure;
  info.err = jpeg_std_error(&failure.manager);
  failure.manager.error_exit = jpeg_exit;
  failure.manager.emit_message = jpeg_warning;
  if (setjmp(failure.jump)) {
    jpeg_destroy_decompress(&info);
    return fail(image, failure.message);
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, data, (unsigned long)size);
  jpeg_read_header(&info, TRUE);
  if ((long)info.image_width * (long)info.image_height > max_pixels) {
    snprintf(image->error, sizeof image->error, "the image is %ux%u pixels, more than dlg reads",
             info.image_width, info.image_height);
    jpeg_destroy_decompress(&info);
    return 1;
  }
  info.out_color_space = info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&info);
  size_t stride = (size_t)info.output_width * (size_t)info.output_components;
  image->pixels = malloc(stride * info.output_height);
  if (!image->pixels) {
    jpeg_destroy_decompress(&info);
    return fail(image, "out of memory");
  }
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = image->pixels + stride * info.output_scanline;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  image->width = (int)info.output_width;
  image->height = (int)info.output_height;
  image->channels = info.output_components;
  jpeg_destroy_decompress(&info);
  return 0;
}

/// Gray to RGB by repeating the value; RGB to gray by ITU-R 601 luma on the stored values
/// (L = 0.299 R + 0.587 G + 0.114 B, as Pillow's convert("L") and libjpeg do).
static int convert(dlg_image *image, int channels) {
  if (image->channels == channels) return 0;
  size_t pixels = (size_t)image->width * (size_t)image->height;
  unsigned char *result = malloc(pixels * (size_t)channels);
  if (!result) return fail(image, "out of memory");
  for (size_t i = 0; i < pixels; i++) {
    if (channels == 3) {
      result[3 * i] = result[3 * i + 1] = result[3 * i + 2] = image->pixels[i];
    } else {
      const unsigned char *p = image->pixels + 3 * i;
      result[i] = (unsigned char)((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000);
    }
  }
  free(image->pixels);
  image->pixels = result;
  image->channels = channels;
  return 0;
}

int dlg_decode_image(const unsigned char *data, size_t size, int channels, long max_pixels,
                     dlg_image *image) {
  memset(image, 0, sizeof *image);
  if (channels != 1 && channels != 3) return fail(image, "channels must be 1 or 3");
  int status;
  if (size >= 8 && png_sig_cmp(data, 0, 8) == 0)
    status = decode_png(data, size, max_pixels, image);
  else if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
    status = decode_jpeg(data, size, max_pixels, image);
  else
    return fail(image, "not a PNG or JPEG image");
  return status != 0 ? status : convert(image, channels);
}

void dlg_free_image(dlg_image *image) {
  free(image->pixels);
  image->pixels = NULL;
}

static int encode_png(const unsigned char *pixels, int width, int height, int channels,
                      unsigned char **out, size_t *size) {
  png_image png;
  memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = (png_uint_32)width;
  png.height = (png_uint_32)height;
  png.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  png_alloc_size_t length = 0;
  if (!png_image_write_to_memory(&png, NULL, &length, 0, pixels, 0, NULL)) return 1;
  *out = malloc(length);
  if (!*out) return 1;
  if (!png_image_write_to_memory(&png, *out, &length, 0, pixels, 0, NULL)) {
    free(*out);
    *out = NULL;
    return 1;
  }
  *size = length;
  return 0;
}

static int encode_jpeg(const unsigned char *pixels, int width, int height, int channels,
                       int quality, unsigned char **out, size_t *size) {
  struct jpeg_compress_struct info;
  struct jpeg_failure failure;
  unsigned long length = 0;
  *out = NULL;
  info.err = jpeg_std_error(&failure.manager);
  failure.manager.error_exit = jpeg_exit;
  if (setjmp(failure.jump)) {
    jpeg_destroy_compress(&info);
    free(*out);
    *out = NULL;
    return 1;
  }
  jpeg_create_compress(&info);
  jpeg_mem_dest(&info, out, &length);
  info.image_width = (JDIMENSION)width;
  info.image_height = (JDIMENSION)height;
  info.input_components = channels;
  info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  size_t stride = (size_t)width * (size_t)channels;
  while (info.next_scanline < info.image_height) {
    JSAMPROW row = (JSAMPROW)(pixels + stride * info.next_scanline);
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  *size = length;
  return 0;
}

int dlg_encode_image(const unsigned char *pixels, int width, int height, int channels,
                     int quality, unsigned char **out, size_t *size) {
  *out = NULL;
  *size = 0;
  if ((channels != 1 && channels != 3) || width < 1 || height < 1) return 1;
  return quality > 0 ? encode_jpeg(pixels, width, height, channels, quality, out, size)
                     : encode_png(pixels, width, height, channels, out, size);
}

void dlg_free_bytes(unsigned char *bytes) { free(bytes); }
