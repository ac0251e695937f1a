/* SPDX-License-Identifier: Apache-2.0
 *
 * The test HTTP server; see models-test-server.h.
 */
#include "config.h"

#include "models-test-server.h"

typedef struct
{
  Server *server;
  guint64 sent;
  guint64 drop_after;    /* 0: never */
} MsgState;

static gboolean
shutdown_cb (gpointer data)
{
  GSocket *socket = data;

  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void
wrote_body_data_cb (SoupServerMessage *msg,
                    guint              chunk_size,
                    MsgState          *state)
{
  g_mutex_lock (&state->server->lock);
  state->server->bytes_sent += chunk_size;
  g_mutex_unlock (&state->server->lock);
  state->sent += chunk_size;
  if (state->drop_after > 0 && state->sent >= state->drop_after)
    {
      GSource *idle = g_idle_source_new ();

      state->drop_after = 0;
      g_source_set_callback (idle, shutdown_cb, g_object_ref (soup_server_message_get_socket (msg)),
                             g_object_unref);
      g_source_attach (idle, state->server->context);
      g_source_unref (idle);
    }
}

static gint64
request_start (SoupServerMessage *msg,
               gsize              total)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupRange *ranges = NULL;
  int n = 0;
  gint64 start = -1;

  if (soup_message_headers_get_ranges (headers, (goffset) total, &ranges, &n) && n > 0)
    start = ranges[0].start;
  if (ranges != NULL)
    soup_message_headers_free_ranges (headers, ranges);
  return start;
}

static void
serve_body (Server            *s,
            SoupServerMessage *msg,
            GBytes            *file,
            Mode               mode,
            guint64            start,
            guint64            at)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  gsize total = g_bytes_get_size (file);
  MsgState *state = g_new0 (MsgState, 1);
  g_autoptr(GBytes) rest = NULL;

  state->server = s;
  g_object_set_data_full (G_OBJECT (msg), "state", state, g_free);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), state);
  if (mode == MODE_SHORT || mode == MODE_LONG)
    soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  else
    soup_message_headers_set_content_length (headers, (goffset) (total - start));
  switch (mode)
    {
    case MODE_DROP:
    case MODE_STALL:
    case MODE_SHORT:
      g_assert_cmpuint (at, >, start);
      rest = g_bytes_new_from_bytes (file, start, at - start);
      soup_message_body_append_bytes (body, rest);
      if (mode == MODE_DROP)
        state->drop_after = at - start;
      if (mode == MODE_SHORT)
        soup_message_body_complete (body);
      break;
    case MODE_LONG:
      rest = g_bytes_new_from_bytes (file, start, total - start);
      soup_message_body_append_bytes (body, rest);
      soup_message_body_append_take (body, g_malloc0 (4096), 4096);
      soup_message_body_complete (body);
      break;
    case MODE_NORMAL:
    case MODE_IGNORE_RANGE:
    default:
      rest = g_bytes_new_from_bytes (file, start, total - start);
      soup_message_body_append_bytes (body, rest);
      soup_message_body_complete (body);
      break;
    }
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           data)
{
  Server *s = data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GBytes) file = NULL;
  g_autofree char *etag = NULL;
  gboolean fail;
  gint64 start;
  guint64 at;
  Mode mode;

  g_mutex_lock (&s->lock);
  file = g_bytes_ref (s->file);
  start = request_start (msg, g_bytes_get_size (file));
  g_array_append_val (s->range_starts, start);
  fail = s->fail_500 > 0;
  s->fail_500 -= fail ? 1 : 0;
  mode = s->mode;
  at = s->at;
  if (mode != MODE_LONG && mode != MODE_IGNORE_RANGE)
    s->mode = MODE_NORMAL;
  etag = s->etag_sha ? g_strdup_printf ("\"%s\"", s->etag_sha) : NULL;
  g_mutex_unlock (&s->lock);

  if (g_str_equal (path, "/missing.gguf") || fail)
    {
      soup_server_message_set_status (msg, fail ? 500 : 404, NULL);
      return;
    }
  if (etag != NULL)
    soup_message_headers_replace (headers, "X-Linked-ETag", etag);
  if (start < 0 || mode == MODE_IGNORE_RANGE)
    {
      /* Or SoupServer would answer the Range itself from our full 200 body. */
      soup_message_headers_remove (soup_server_message_get_request_headers (msg), "Range");
      start = 0;
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_message_headers_set_content_range (headers, start, (goffset) g_bytes_get_size (file) - 1,
                                              (goffset) g_bytes_get_size (file));
    }
  serve_body (s, msg, file, mode, (guint64) start, at);
}

static gpointer
server_thread (gpointer data)
{
  Server *s = data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (s->context);
  s->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (s->server, NULL, handler, s, NULL);
  soup_server_listen_local (s->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (s->server);
  g_mutex_lock (&s->lock);
  s->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_signal (&s->ready);
  g_mutex_unlock (&s->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (s->loop);
  soup_server_disconnect (s->server);
  g_clear_object (&s->server);
  g_main_context_pop_thread_default (s->context);
  return NULL;
}

Server *
server_start (GBytes *file)
{
  Server *s = g_new0 (Server, 1);

  g_mutex_init (&s->lock);
  g_cond_init (&s->ready);
  s->file = g_bytes_ref (file);
  s->range_starts = g_array_new (FALSE, FALSE, sizeof (gint64));
  s->context = g_main_context_new ();
  s->loop = g_main_loop_new (s->context, FALSE);
  g_mutex_lock (&s->lock);
  s->thread = g_thread_new ("test-http", server_thread, s);
  while (s->base_url == NULL)
    g_cond_wait (&s->ready, &s->lock);
  g_mutex_unlock (&s->lock);
  return s;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
server_stop (Server *s)
{
  g_main_context_invoke (s->context, quit_cb, s->loop);
  g_thread_join (s->thread);
  g_main_loop_unref (s->loop);
  g_main_context_unref (s->context);
  g_array_unref (s->range_starts);
  g_bytes_unref (s->file);
  g_free (s->etag_sha);
  g_free (s->base_url);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->ready);
  g_free (s);
}

void
server_set (Server     *s,
            Mode        mode,
            guint64     at,
            guint       fail_500,
            const char *etag_sha)
{
  g_mutex_lock (&s->lock);
  s->mode = mode;
  s->at = at;
  s->fail_500 = fail_500;
  g_free (s->etag_sha);
  s->etag_sha = g_strdup (etag_sha);
  g_mutex_unlock (&s->lock);
}

void
server_set_file (Server *s,
                 GBytes *file)
{
  g_mutex_lock (&s->lock);
  g_bytes_unref (s->file);
  s->file = g_bytes_ref (file);
  g_mutex_unlock (&s->lock);
}

/* The Range starts the server saw, as text: "-1 62560" is a full request, then a resume. */
char *
server_ranges (Server *s)
{
  g_autoptr(GString) text = g_string_new (NULL);

  g_mutex_lock (&s->lock);
  for (guint i = 0; i < s->range_starts->len; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i ? " " : "",
                            g_array_index (s->range_starts, gint64, i));
  g_mutex_unlock (&s->lock);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

guint64
server_bytes_sent (Server *s)
{
  guint64 n;

  g_mutex_lock (&s->lock);
  n = s->bytes_sent;
  g_mutex_unlock (&s->lock);
  return n;
}
