/* SPDX-License-Identifier: Apache-2.0
 *
 * A SoupServer on 127.0.0.1, on a thread of its own, that serves one file with Range
 * support and misbehaves on command (drop, stall, short or long body, ignored Range,
 * 500s). It counts the body bytes it wrote and the Range start of every request. Used by
 * the download tests and the Models UI test.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum
{
  MODE_NORMAL,
  MODE_DROP,          /* close the connection after byte `at` (once) */
  MODE_STALL,         /* send up to byte `at`, then nothing (once) */
  MODE_SHORT,         /* chunked, clean end after byte `at` (once) */
  MODE_LONG,          /* chunked, the file and 4 KiB more (always) */
  MODE_IGNORE_RANGE,  /* always 200 with the whole file */
} Mode;

typedef struct
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  char *base_url;
  GMutex lock;
  GCond ready;
  /* What to serve and how; under lock. */
  GBytes *file;
  char *etag_sha;        /* sent as X-Linked-ETag when set */
  Mode mode;
  guint64 at;
  guint fail_500;
  /* What happened; under lock. */
  GArray *range_starts;  /* gint64 per request, -1 without Range */
  guint64 bytes_sent;
} Server;

/* Serves @file at every path but /missing.gguf (404). */
Server *server_start     (GBytes     *file);
void    server_stop      (Server     *s);
/* The next request is served in @mode (DROP, STALL and SHORT once, then NORMAL); the
 * next @fail_500 requests fail; @etag_sha, when set, is sent as X-Linked-ETag. */
void    server_set       (Server     *s,
                          Mode        mode,
                          guint64     at,
                          guint       fail_500,
                          const char *etag_sha);
void    server_set_file  (Server     *s,
                          GBytes     *file);
/* The Range starts the server saw, as text: "-1 62560" is a full request, then a resume. */
char   *server_ranges    (Server     *s);
guint64 server_bytes_sent (Server    *s);

G_END_DECLS
