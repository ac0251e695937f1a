/* SPDX-License-Identifier: Apache-2.0
 *
 * GGUF files: a reader that maps a file, validates every count, length, offset and
 * type before anything is used, and answers metadata and tensor queries; and a
 * writer that produces GGUF v3 files ggml accepts, written atomically.
 */
#pragma once

#include <glib.h>

#include "sprig/se-types.h"

G_BEGIN_DECLS

/* The 13 GGUF metadata value types, with the numbers the format gives them. */
typedef enum
{
  SE_GGUF_TYPE_U8 = 0,
  SE_GGUF_TYPE_I8 = 1,
  SE_GGUF_TYPE_U16 = 2,
  SE_GGUF_TYPE_I16 = 3,
  SE_GGUF_TYPE_U32 = 4,
  SE_GGUF_TYPE_I32 = 5,
  SE_GGUF_TYPE_F32 = 6,
  SE_GGUF_TYPE_BOOL = 7,
  SE_GGUF_TYPE_STRING = 8,
  SE_GGUF_TYPE_ARRAY = 9,
  SE_GGUF_TYPE_U64 = 10,
  SE_GGUF_TYPE_I64 = 11,
  SE_GGUF_TYPE_F64 = 12,
  SE_GGUF_TYPE_COUNT = 13,
} SeGgufType;

#define SE_GGUF_DEFAULT_ALIGNMENT 32
#define SE_GGUF_MAX_ALIGNMENT     (1u << 20)
#define SE_GGUF_MAX_NESTING       8     /* arrays of arrays, deeper is refused */
#define SE_GGUF_MAX_NAME          64    /* ggml's limit on tensor names, NUL included */

typedef struct _SeGguf SeGguf;
typedef struct _SeGgufValue SeGgufValue;
typedef struct _SeGgufWriter SeGgufWriter;

/* A read-only view of one metadata value. Owned by the SeGguf (or by whoever built
 * it, when handed to se_gguf_writer_set_value()).
 *   scalars: the union member named for the type (bool in `b`).
 *   STRING:  `str`, NUL-terminated, `n` bytes long (it may hold embedded NULs).
 *   ARRAY:   `elem_type`, `n` items, and by element type:
 *            fixed-size types: `data`, a host-aligned array (bool as one guint8 each);
 *            STRING: `strs` and `lens`; ARRAY: `children`, n nested values. */
struct _SeGgufValue
{
  SeGgufType type;
  SeGgufType elem_type;
  guint64 n;
  const gsize *lens;
  union
  {
    guint8 u8;
    gint8 i8;
    guint16 u16;
    gint16 i16;
    guint32 u32;
    gint32 i32;
    float f32;
    gboolean b;
    guint64 u64;
    gint64 i64;
    double f64;
    const char *str;
    gconstpointer data;
    const char *const *strs;
    const SeGgufValue *children;
  } v;
};

typedef struct
{
  const char *name;
  guint32 n_dims;
  gint64 ne[4];            /* ne[0] is the row length; unused dims are 1 */
  SeType type;
  guint64 offset;          /* relative to the data section */
  guint64 n_bytes;
  const void *data;        /* inside the mapping, valid while the SeGguf lives */
} SeGgufTensor;

const char         *se_gguf_type_name           (SeGgufType          type);
gsize               se_gguf_type_size           (SeGgufType          type);

SeGguf             *se_gguf_open                (const char         *path,
                                                 GError            **error);
SeGguf             *se_gguf_new_from_bytes      (GBytes             *bytes,
                                                 GError            **error);
void                se_gguf_free                (SeGguf             *gguf);

guint32             se_gguf_get_version         (const SeGguf       *gguf);
gsize               se_gguf_get_alignment       (const SeGguf       *gguf);
guint64             se_gguf_get_file_size       (const SeGguf       *gguf);
guint64             se_gguf_get_data_offset     (const SeGguf       *gguf);

gsize               se_gguf_get_n_kv            (const SeGguf       *gguf);
const char         *se_gguf_get_key             (const SeGguf       *gguf,
                                                 gsize               i);
gint                se_gguf_find_key            (const SeGguf       *gguf,
                                                 const char         *key);
gboolean            se_gguf_has_key             (const SeGguf       *gguf,
                                                 const char         *key);
SeGgufType          se_gguf_get_kv_type         (const SeGguf       *gguf,
                                                 gsize               i);
const SeGgufValue  *se_gguf_get_value           (const SeGguf       *gguf,
                                                 gsize               i);
const SeGgufValue  *se_gguf_find_value          (const SeGguf       *gguf,
                                                 const char         *key);
const SeGgufValue  *se_gguf_value_get_child     (const SeGgufValue  *value,
                                                 gsize               i);

gboolean            se_gguf_get_u8              (const SeGguf *gguf, const char *key,
                                                 guint8 *out, GError **error);
gboolean            se_gguf_get_i8              (const SeGguf *gguf, const char *key,
                                                 gint8 *out, GError **error);
gboolean            se_gguf_get_u16             (const SeGguf *gguf, const char *key,
                                                 guint16 *out, GError **error);
gboolean            se_gguf_get_i16             (const SeGguf *gguf, const char *key,
                                                 gint16 *out, GError **error);
gboolean            se_gguf_get_u32             (const SeGguf *gguf, const char *key,
                                                 guint32 *out, GError **error);
gboolean            se_gguf_get_i32             (const SeGguf *gguf, const char *key,
                                                 gint32 *out, GError **error);
gboolean            se_gguf_get_u64             (const SeGguf *gguf, const char *key,
                                                 guint64 *out, GError **error);
gboolean            se_gguf_get_i64             (const SeGguf *gguf, const char *key,
                                                 gint64 *out, GError **error);
gboolean            se_gguf_get_f32             (const SeGguf *gguf, const char *key,
                                                 float *out, GError **error);
gboolean            se_gguf_get_f64             (const SeGguf *gguf, const char *key,
                                                 double *out, GError **error);
gboolean            se_gguf_get_bool            (const SeGguf *gguf, const char *key,
                                                 gboolean *out, GError **error);
gboolean            se_gguf_get_string          (const SeGguf *gguf, const char *key,
                                                 const char **out, gsize *len,
                                                 GError **error);
gboolean            se_gguf_get_uint            (const SeGguf *gguf, const char *key,
                                                 guint64 *out, GError **error);

gboolean            se_gguf_get_array_info      (const SeGguf *gguf, const char *key,
                                                 SeGgufType *elem_type, guint64 *n,
                                                 GError **error);
gboolean            se_gguf_get_array_strings   (const SeGguf *gguf, const char *key,
                                                 const char *const **strs,
                                                 const gsize **lens, gsize *n,
                                                 GError **error);
gboolean            se_gguf_get_array_i32       (const SeGguf *gguf, const char *key,
                                                 const gint32 **items, gsize *n,
                                                 GError **error);
gboolean            se_gguf_get_array_u32       (const SeGguf *gguf, const char *key,
                                                 const guint32 **items, gsize *n,
                                                 GError **error);
gboolean            se_gguf_get_array_f32       (const SeGguf *gguf, const char *key,
                                                 const float **items, gsize *n,
                                                 GError **error);

gsize               se_gguf_get_n_tensors       (const SeGguf       *gguf);
const SeGgufTensor *se_gguf_get_tensor          (const SeGguf       *gguf,
                                                 gsize               i);
const SeGgufTensor *se_gguf_find_tensor         (const SeGguf       *gguf,
                                                 const char         *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeGguf, se_gguf_free)

/* Writer. Setting a key that exists replaces its value in place; keys keep the
 * order in which they were first set. */
SeGgufWriter       *se_gguf_writer_new          (void);
void                se_gguf_writer_free         (SeGgufWriter       *writer);

void                se_gguf_writer_set_u8       (SeGgufWriter *w, const char *key, guint8 v);
void                se_gguf_writer_set_i8       (SeGgufWriter *w, const char *key, gint8 v);
void                se_gguf_writer_set_u16      (SeGgufWriter *w, const char *key, guint16 v);
void                se_gguf_writer_set_i16      (SeGgufWriter *w, const char *key, gint16 v);
void                se_gguf_writer_set_u32      (SeGgufWriter *w, const char *key, guint32 v);
void                se_gguf_writer_set_i32      (SeGgufWriter *w, const char *key, gint32 v);
void                se_gguf_writer_set_u64      (SeGgufWriter *w, const char *key, guint64 v);
void                se_gguf_writer_set_i64      (SeGgufWriter *w, const char *key, gint64 v);
void                se_gguf_writer_set_f32      (SeGgufWriter *w, const char *key, float v);
void                se_gguf_writer_set_f64      (SeGgufWriter *w, const char *key, double v);
void                se_gguf_writer_set_bool     (SeGgufWriter *w, const char *key, gboolean v);
void                se_gguf_writer_set_string   (SeGgufWriter *w, const char *key,
                                                 const char *str);
void                se_gguf_writer_set_string_len (SeGgufWriter *w, const char *key,
                                                 const char *str, gsize len);
/* Fixed-size element types; items are host values (bool as one guint8 each). */
void                se_gguf_writer_set_array    (SeGgufWriter *w, const char *key,
                                                 SeGgufType elem_type,
                                                 gconstpointer items, gsize n);
void                se_gguf_writer_set_array_strings (SeGgufWriter *w, const char *key,
                                                 const char *const *strs, gsize n);
void                se_gguf_writer_set_array_i32 (SeGgufWriter *w, const char *key,
                                                 const gint32 *items, gsize n);
void                se_gguf_writer_set_array_u32 (SeGgufWriter *w, const char *key,
                                                 const guint32 *items, gsize n);
void                se_gguf_writer_set_array_f32 (SeGgufWriter *w, const char *key,
                                                 const float *items, gsize n);
/* Any value, nested arrays included (deep copy). ggml itself reads no nested arrays. */
gboolean            se_gguf_writer_set_value    (SeGgufWriter *w, const char *key,
                                                 const SeGgufValue *value,
                                                 GError **error);

gboolean            se_gguf_writer_add_tensor   (SeGgufWriter       *w,
                                                 const char         *name,
                                                 SeType              type,
                                                 guint32             n_dims,
                                                 const gint64       *ne,
                                                 gconstpointer       data,
                                                 gsize               n_bytes,
                                                 GError            **error);

GBytes             *se_gguf_writer_get_bytes    (SeGgufWriter       *w,
                                                 GError            **error);
gboolean            se_gguf_writer_write_file   (SeGgufWriter       *w,
                                                 const char         *path,
                                                 GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeGgufWriter, se_gguf_writer_free)

G_END_DECLS
