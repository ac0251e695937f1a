/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigDownload: one model file fetched over HTTPS into the models folder with libsoup 3.
 * It resumes (HTTP Range into NAME.gguf.part, across app restarts too), retries with
 * exponential backoff, hashes while it downloads, and installs the file only after its
 * SHA-256 and the engine's validation both passed. Network I/O runs on the caller's main
 * context; writing and hashing run on worker threads.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "sprig-models.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_DOWNLOAD (sprig_download_get_type ())
G_DECLARE_FINAL_TYPE (SprigDownload, sprig_download, SPRIG, DOWNLOAD, GObject)

typedef enum
{
  SPRIG_DOWNLOAD_IDLE,         /* not started */
  SPRIG_DOWNLOAD_PREPARING,    /* checking disk space, re-hashing a part file to resume */
  SPRIG_DOWNLOAD_CONNECTING,
  SPRIG_DOWNLOAD_DOWNLOADING,
  SPRIG_DOWNLOAD_PAUSED,
  SPRIG_DOWNLOAD_WAITING,      /* a retry is due after a failure (see "attempt") */
  SPRIG_DOWNLOAD_VERIFYING,    /* SHA-256 check and engine validation */
  SPRIG_DOWNLOAD_DONE,
  SPRIG_DOWNLOAD_FAILED,
  SPRIG_DOWNLOAD_CANCELLED,
} SprigDownloadState;

GType sprig_download_state_get_type (void) G_GNUC_CONST;
#define SPRIG_TYPE_DOWNLOAD_STATE (sprig_download_state_get_type ())

/* @expected_size 0: unknown. @expected_sha256 NULL: use the server's X-Linked-ETag or
 * ETag when it carries a SHA-256 (Hugging Face LFS files do); without either the file is
 * installed unverified (SprigModelInfo.verified FALSE). */
SprigDownload     *sprig_download_new               (SprigModelLibrary *library,
                                                     const char        *url,
                                                     const char        *file_name,
                                                     guint64            expected_size,
                                                     const char        *expected_sha256);
SprigDownload     *sprig_download_new_for_entry     (SprigModelLibrary       *library,
                                                     const SprigCatalogEntry *entry);

/* Configuration; call before sprig_download_run_async(). */
void               sprig_download_set_session       (SprigDownload     *self,
                                                     SoupSession       *session);
/* At most @max_tries consecutive attempts without progress; the n-th retry waits
 * @base_delay_ms * 2^(n-1). Default 5 and 1000 ms. */
void               sprig_download_set_retry_policy  (SprigDownload     *self,
                                                     guint              max_tries,
                                                     guint              base_delay_ms);
/* No byte for this long ends the attempt (and retries). Default 30000 ms. */
void               sprig_download_set_stall_timeout (SprigDownload     *self,
                                                     guint              timeout_ms);
/* Free space to keep beyond the file. Default 64 MiB. */
void               sprig_download_set_disk_margin   (SprigDownload     *self,
                                                     guint64            bytes);

/* Starts (or, with a part file present, resumes) the download. Completes when the model
 * is installed (returns its SprigModelInfo), failed for good, or was cancelled
 * (G_IO_ERROR_CANCELLED; the part file is deleted). Cancelling @cancellable is
 * sprig_download_cancel(). */
void               sprig_download_run_async         (SprigDownload      *self,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
SprigModelInfo    *sprig_download_run_finish        (SprigDownload      *self,
                                                     GAsyncResult       *result,
                                                     GError            **error);

/* Pause keeps the part file and the connection-free state; resume continues with Range. */
void               sprig_download_pause             (SprigDownload     *self);
void               sprig_download_resume            (SprigDownload     *self);
void               sprig_download_cancel            (SprigDownload     *self);

SprigDownloadState sprig_download_get_state         (SprigDownload     *self);
const char        *sprig_download_get_url           (SprigDownload     *self);
const char        *sprig_download_get_file_name     (SprigDownload     *self);
const char        *sprig_download_get_part_path     (SprigDownload     *self);
guint64            sprig_download_get_bytes_done    (SprigDownload     *self);
guint64            sprig_download_get_bytes_total   (SprigDownload     *self);  /* 0: unknown */
double             sprig_download_get_speed         (SprigDownload     *self);  /* bytes/s */
gint64             sprig_download_get_eta           (SprigDownload     *self);  /* s, -1 */
guint              sprig_download_get_attempt       (SprigDownload     *self);
/* The last failure's message while WAITING or FAILED (a retry may still succeed). */
const char        *sprig_download_get_last_error    (SprigDownload     *self);

G_END_DECLS
