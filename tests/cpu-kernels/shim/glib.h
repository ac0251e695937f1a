/* SPDX-License-Identifier: Apache-2.0
 *
 * The few GLib types and macros the CPU backend's kernel files use, for the GLib-free
 * cross build of tests/cpu-kernels/ (a static aarch64 executable run under qemu-user,
 * without cross-building GLib). Only what those files need; semantics as in GLib.
 */
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int8_t gint8;
typedef uint8_t guint8;
typedef int16_t gint16;
typedef uint16_t guint16;
typedef int32_t gint32;
typedef uint32_t guint32;
typedef int64_t gint64;
typedef uint64_t guint64;
typedef int gint;
typedef unsigned int guint;
typedef int gboolean;
typedef size_t gsize;
typedef void *gpointer;
typedef const void *gconstpointer;
typedef struct _GError GError;

#define TRUE 1
#define FALSE 0
#define G_BEGIN_DECLS
#define G_END_DECLS
#define G_STATIC_ASSERT(e) _Static_assert (e, #e)
#define G_N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))
#undef MIN
#undef MAX
#undef ABS
#undef CLAMP
#define MIN(a, b) (((a) < (b)) ? (a) : (b))
#define MAX(a, b) (((a) > (b)) ? (a) : (b))
#define ABS(a) (((a) < 0) ? -(a) : (a))
#define CLAMP(x, lo, hi) (((x) > (hi)) ? (hi) : (((x) < (lo)) ? (lo) : (x)))

void shim_fail (const char *expr, const char *file, int line) __attribute__ ((noreturn));

#define g_return_if_fail(e) \
  do { if (!(e)) shim_fail (#e, __FILE__, __LINE__); } while (0)
#define g_return_val_if_fail(e, v) g_return_if_fail (e)

gpointer shim_malloc (gsize n, int zero);
gpointer shim_aligned_alloc (gsize n_blocks, gsize block_size, gsize alignment, int zero);

#define g_new(T, n) ((T *) shim_malloc (sizeof (T) * (gsize) (n), 0))
#define g_new0(T, n) ((T *) shim_malloc (sizeof (T) * (gsize) (n), 1))
#define g_malloc(n) shim_malloc ((n), 0)
#define g_free free
#define g_aligned_alloc(n, size, align) shim_aligned_alloc ((n), (size), (align), 0)
#define g_aligned_alloc0(n, size, align) shim_aligned_alloc ((n), (size), (align), 1)
#define g_aligned_free free
#define g_clear_pointer(pp, destroy) \
  do { if (*(pp) != NULL) { destroy (*(pp)); *(pp) = NULL; } } while (0)

/* the test driver is single-threaded */
#define g_once_init_enter(p) (*(p) == 0)
#define g_once_init_leave(p, v) (*(p) = (v))
