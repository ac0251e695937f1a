/* SPDX-License-Identifier: Apache-2.0
 *
 * Helpers of the UI tests; see sprig-test-ui.h.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "sprig-test-ui.h"

#define WAIT_US (60 * G_USEC_PER_SEC)

/* Runs the main loop until @cond holds, failing the test after a minute. */
void
sprig_test_wait_for (SprigTestCondition  cond,
                     gpointer            data,
                     const char         *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_US;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
    }
}

/* Runs the main loop for @ms milliseconds. */
void
sprig_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

/* The first widget of @type at or below @root, depth first. */
GtkWidget *
sprig_test_find_widget (GtkWidget *root,
                        GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = sprig_test_find_widget (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Renders @window as it is on screen into BUILDDIR/screenshots/NAME.png. */
void
sprig_test_screenshot (GtkWidget  *window,
                       const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  int w, h;

  sprig_test_spin (300);  /* let transitions and layout settle */
  /* measured after: a window can be mapped before its first allocation */
  w = gtk_widget_get_width (window);
  h = gtk_widget_get_height (window);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* A GAsyncReadyCallback keeping the result in *(GAsyncResult **) @user_data. */
void
sprig_test_store_result_cb (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Waits for the store call that sprig_test_store_result_cb answers and returns the id
 * @finish reads from it, failing the test on an error. */
gint64
sprig_test_await_id (SprigStore    *store,
                     GAsyncResult **result,
                     gint64       (*finish) (SprigStore *, GAsyncResult *, GError **))
{
  g_autoptr(GError) error = NULL;
  gint64 id;

  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  id = finish (store, *result, &error);
  g_assert_no_error (error);
  g_clear_object (result);
  return id;
}
