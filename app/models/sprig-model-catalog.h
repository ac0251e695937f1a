/* SPDX-License-Identifier: Apache-2.0
 *
 * The built-in catalog of known-good models (catalog.json, compiled into a GResource)
 * and the question the first-run page asks of it: which of them fit this machine.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SPRIG_TYPE_CATALOG_ENTRY (sprig_catalog_entry_get_type ())

typedef struct
{
  char    *id;             /* stable key: "bonsai-1.7b" */
  char    *name;           /* "Bonsai 1.7B" */
  char    *publisher;      /* "PrismML" */
  char    *url;            /* https://huggingface.co/<org>/<repo>/resolve/main/<file> */
  char    *file_name;      /* the name it gets in the models folder */
  guint64  size;           /* bytes of the file */
  char    *sha256;         /* lower-case hex, or NULL: then the server's LFS ETag is used */
  char    *license;        /* SPDX identifier */
  char    *architecture;   /* GGUF general.architecture */
  char    *quantization;   /* dominant tensor type */
  guint64  n_params;
  guint64  ram_bytes;      /* memory needed to chat at the default 4096-token context */
  char    *description;    /* one line, for the catalog row */
  gboolean supported;      /* FALSE: the engine cannot run the published file yet */
  char    *support_note;   /* why not, when !supported */
  gboolean recommended;    /* the first-run default */
  char   **unverified;     /* fields not checked against the server (NULL-terminated) */
} SprigCatalogEntry;

GType              sprig_catalog_entry_get_type   (void) G_GNUC_CONST;
SprigCatalogEntry *sprig_catalog_entry_copy       (const SprigCatalogEntry *entry);
void               sprig_catalog_entry_free       (SprigCatalogEntry       *entry);

/* The built-in catalog as SprigCatalogEntry, in catalog order. When the environment
 * variable SPRIG_CATALOG_PATH is set, the catalog is read from that file instead, and its
 * URLs may name any http(s) host (tests serve models from 127.0.0.1). */
GPtrArray         *sprig_model_catalog_load       (GError                 **error);
/* Parses catalog JSON; every entry is checked (SPRIG_MODELS_ERROR_CATALOG names the
 * entry and the field that is wrong). */
GPtrArray         *sprig_model_catalog_parse      (const char              *json,
                                                   gssize                   len,
                                                   GError                 **error);
const SprigCatalogEntry *sprig_model_catalog_find (GPtrArray               *entries,
                                                   const char              *id);

/* Total RAM of this machine in bytes (0 if unknown). */
guint64            sprig_system_get_total_ram     (void);

/* An entry fits when its RAM need is at most three quarters of @ram_bytes (the rest is
 * for the system and the app), or, with a GPU, at most @vram_bytes (0: no GPU). */
gboolean           sprig_catalog_entry_fits       (const SprigCatalogEntry *entry,
                                                   guint64                  ram_bytes,
                                                   guint64                  vram_bytes);
/* The supported entries that fit, in catalog order (the array holds copies). */
GPtrArray         *sprig_model_catalog_fitting    (GPtrArray               *entries,
                                                   guint64                  ram_bytes,
                                                   guint64                  vram_bytes);
/* The first-run suggestion: the recommended entry if it fits, else the smallest
 * supported entry that fits, else NULL. Points into @entries. */
const SprigCatalogEntry *sprig_model_catalog_recommend (GPtrArray          *entries,
                                                        guint64             ram_bytes,
                                                        guint64             vram_bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigCatalogEntry, sprig_catalog_entry_free)

G_END_DECLS
