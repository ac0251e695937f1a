/* SPDX-License-Identifier: Apache-2.0
 *
 * What the GGUF reader and writer share: the file magic, the host byte-order
 * assumption and the deep-free of a metadata value.
 */
#pragma once

#include "sprig/se-gguf.h"

G_BEGIN_DECLS

/* GGUF is little-endian and the engine maps files without swapping. */
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "libsprig-engine reads GGUF in place and needs a little-endian host"
#endif

typedef struct
{
  const char *key;
  SeGgufValue value;
} SeGgufKv;

struct _SeGguf
{
  GBytes *bytes;
  const guint8 *data;
  guint64 size;
  guint32 version;
  gsize alignment;
  guint64 data_offset;
  GStringChunk *strings;
  SeGgufKv *kvs;
  gsize n_kv;
  SeGgufTensor *tensors;
  gsize n_tensors;
  GHashTable *kv_index;      /* key -> index + 1 */
  GHashTable *tensor_index;  /* name -> SeGgufTensor */
};

#define SE_GGUF_MAGIC "GGUF"
#define SE_GGUF_VERSION 3

/* Frees what a value owns: array storage (data, strs, lens, children) recursively.
 * With owns_strings, also each string (the writer's copies; the reader keeps its
 * strings in a GStringChunk). */
void _se_gguf_value_clear (SeGgufValue *value,
                           gboolean     owns_strings);

G_END_DECLS
