/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigDownload's state, shared by its three files: sprig-download.c (object, API,
 * progress), sprig-download-transfer.c (HTTP attempts on the main context) and
 * sprig-download-io.c (the part file on worker threads).
 */
#pragma once

#include "sprig-download.h"
#include "sprig-models-private.h"

G_BEGIN_DECLS

#define SPRIG_DOWNLOAD_CHUNK (256 * 1024)

/* Why the current attempt is being stopped. */
typedef enum
{
  STOP_NONE,
  STOP_PAUSE,
  STOP_CANCEL,
  STOP_RETRY,    /* stall, dropped connection, 5xx: try again with Range */
  STOP_FATAL,    /* give up; ->error says why */
  STOP_COMPLETE, /* the body ended; check the length, then verify */
} SprigStopReason;

struct _SprigDownload
{
  GObject parent_instance;

  SprigModelLibrary *library;
  char *url;
  char *file_name;
  char *dir;
  char *part_path;
  guint64 expected_size;
  char *expected_sha256;       /* from the catalog */
  char *server_sha256;         /* from X-Linked-ETag / ETag */
  char *etag;                  /* strong ETag of the body, for If-Range */
  SoupSession *session;

  guint max_tries;
  guint base_delay_ms;
  guint stall_timeout_ms;
  guint64 disk_margin;

  GTask *task;                 /* the run; NULL when idle or finished */
  GCancellable *attempt_cancel;
  gulong cancel_handler;
  SprigDownloadState state;
  SprigStopReason stop;
  GError *error;               /* with STOP_RETRY / STOP_FATAL */
  char *last_error;
  gboolean delete_part;        /* with STOP_FATAL: the part file is worthless */
  gboolean pause_requested;    /* pause() while preparing */
  gboolean ending;             /* the run is being closed down: ignore further stops */

  /* The part file: only the one write task in flight touches fd and sha. */
  int fd;
  GChecksum *sha;
  gboolean truncate_next;      /* the server restarted from byte 0 */

  /* The current attempt. */
  SoupMessage *msg;
  GInputStream *body;
  gboolean send_busy, read_busy, write_busy, io_busy;
  gboolean body_eof;
  GBytes *pending;             /* read while a write was in flight */
  guint64 received_end;        /* part-file offset after the last byte received */
  gboolean progressed;         /* this attempt wrote something */
  guint attempt;               /* consecutive attempts without progress */
  gint64 last_byte_us;
  guint stall_source;
  guint retry_source;

  /* Progress. */
  guint64 bytes_done;          /* written to the part file */
  guint64 bytes_total;
  double speed;
  gint64 eta;
  gint64 speed_mark_us;
  guint64 speed_mark_bytes;
  gint64 last_notify_us;
  guint notify_source;      /* a throttled report still owed */
};

void  _sprig_download_set_state      (SprigDownload      *self,
                                      SprigDownloadState  state);
void  _sprig_download_progress       (SprigDownload      *self,
                                      gboolean            force);
void  _sprig_download_return_error   (SprigDownload      *self,
                                      GError             *error);
void  _sprig_download_return_info    (SprigDownload      *self,
                                      SprigModelInfo     *info);

/* sprig-download-transfer.c */
void  _sprig_download_start_attempt  (SprigDownload      *self);
void  _sprig_download_stop           (SprigDownload      *self,
                                      SprigStopReason     reason,
                                      GError             *error);
void  _sprig_download_write_done     (SprigDownload      *self,
                                      gsize               n_written,
                                      GError             *error);
void  _sprig_download_prepare_done   (SprigDownload      *self,
                                      guint64             part_size,
                                      GError             *error);

/* sprig-download-io.c: each runs on a worker thread and calls back on the main context. */
void  _sprig_download_prepare        (SprigDownload      *self);
void  _sprig_download_write          (SprigDownload      *self,
                                      GBytes             *chunk);
void  _sprig_download_finalize_file  (SprigDownload      *self);
void  _sprig_download_discard        (SprigDownload      *self,
                                      gboolean            delete_part,
                                      GError             *error);

G_END_DECLS
