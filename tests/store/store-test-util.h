/* SPDX-License-Identifier: Apache-2.0
 *
 * Helpers shared by the store tests, the crash child and the benchmark: run one store
 * call to completion on the default main context, and make the records the tests need.
 * Header-only (static functions) so that each test program stays one file.
 */
#pragma once

#include <glib/gstdio.h>

#include "sprig-store-private.h"

static inline void
store_test_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Iterates the default main context until @slot is set; the caller owns the result. */
static inline GAsyncResult *
store_test_wait (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

static inline gboolean
store_test_open (SprigStore  *store,
                 GError     **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) res = NULL;

  sprig_store_open_async (store, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  return sprig_store_open_finish (store, res, error);
}

static inline SprigStore *
store_test_new_open (const char *path)
{
  g_autoptr(SprigStore) store = sprig_store_new (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (store_test_open (store, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

static inline gint64
store_test_create_conversation (SprigStore *store,
                                const char *title)
{
  g_autoptr(SprigConversation) conv = sprig_conversation_new ();
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 id;

  conv->title = g_strdup (title);
  conv->model_id = g_strdup ("qwen3-0.6b");
  sprig_store_create_conversation_async (store, conv, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  id = sprig_store_create_conversation_finish (store, res, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static inline gint64
store_test_append_full (SprigStore       *store,
                        gint64            conversation_id,
                        gint64            parent_id,
                        SprigMessageRole  role,
                        const char       *content,
                        GError          **error)
{
  g_autoptr(SprigMessage) msg = sprig_message_new (role, content);
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  msg->conversation_id = conversation_id;
  msg->parent_id = parent_id;
  sprig_store_append_message_async (store, msg, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  return sprig_store_append_message_finish (store, res, error);
}

static inline gint64
store_test_append (SprigStore       *store,
                   gint64            conversation_id,
                   gint64            parent_id,
                   SprigMessageRole  role,
                   const char       *content)
{
  g_autoptr(GError) error = NULL;
  gint64 id = store_test_append_full (store, conversation_id, parent_id, role, content, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static inline gint64
store_test_begin_reply (SprigStore *store,
                        gint64      conversation_id,
                        gint64      parent_id)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 id;

  sprig_store_begin_reply_async (store, conversation_id, parent_id, "qwen3-0.6b", NULL,
                                 store_test_cb, &slot);
  res = store_test_wait (&slot);
  id = sprig_store_begin_reply_finish (store, res, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static inline gboolean
store_test_finish_reply (SprigStore         *store,
                         gint64              message_id,
                         SprigMessageStatus  status,
                         GError            **error)
{
  SprigReplyStats stats = { 12, 34, 100.5, 25.25, 84.5, "cpu" };
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  sprig_store_finish_reply_async (store, message_id, status, &stats, NULL, NULL, store_test_cb,
                                  &slot);
  res = store_test_wait (&slot);
  return sprig_store_finish_reply_finish (store, res, error);
}

/* A fresh temporary directory, removed (with its files) by store_test_rmdir. */
static inline char *
store_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sprig-store-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static inline void
store_test_rmdir (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        store_test_rmdir (child);
      else
        g_unlink (child);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (path);
}
