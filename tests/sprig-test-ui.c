/* SPDX-License-Identifier: Apache-2.0
 *
 * Helpers of the UI tests; see sprig-test-ui.h.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprig-test-ui.h"

#define WAIT_US (60 * G_USEC_PER_SEC)

/* SPRIG_TEST_WAIT_SCALE=N waits N times longer: for runs under valgrind. */
static gint64
wait_us (void)
{
  const char *scale = g_getenv ("SPRIG_TEST_WAIT_SCALE");
  gint64 n = scale != NULL ? g_ascii_strtoll (scale, NULL, 10) : 1;

  return WAIT_US * MAX (n, 1);
}

void
sprig_test_wait_for (SprigTestCondition  cond,
                     gpointer            data,
                     const char         *what)
{
  gint64 deadline = g_get_monotonic_time () + wait_us ();

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
    }
}

void
sprig_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

GtkWidget *
sprig_test_find (GtkWidget      *root,
                 SprigTestMatch  match,
                 gconstpointer   data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = sprig_test_find (c, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
is_of_type (GtkWidget     *widget,
            gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

GtkWidget *
sprig_test_find_type (GtkWidget *root,
                      GType      type)
{
  return sprig_test_find (root, is_of_type, GSIZE_TO_POINTER (type));
}

void
sprig_test_result_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      slot)
{
  *(GAsyncResult **) slot = g_object_ref (result);
}

GAsyncResult *
sprig_test_await_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

GtkWindow *
sprig_test_find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* owned by GTK */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return w;
    }
  return NULL;
}

void
sprig_test_destroy_windows (GtkApplication *app)
{
  GList *windows = gtk_application_get_windows (app);

  while (windows != NULL)
    {
      gtk_window_destroy (windows->data);
      windows = gtk_application_get_windows (app);
    }
  sprig_test_spin (100);
}

void
sprig_test_remove_tree (const char *path)
{
  const char *argv[] = { "rm", "-rf", "--", path, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
}

void
sprig_test_screenshot (GtkWidget  *widget,
                       const char *name)
{
  GtkWidget *win = GTK_WIDGET (gtk_widget_get_root (widget));
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (win);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "screenshots", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  int w, h;

  sprig_test_spin (300);  /* let transitions and layout settle */
  w = gtk_widget_get_width (win);
  h = gtk_widget_get_height (win);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (win)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

gint64
sprig_test_await_id (SprigStore    *store,
                     GAsyncResult **slot,
                     gint64       (*finish) (SprigStore *, GAsyncResult *, GError **))
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) done = sprig_test_await_result (slot);
  gint64 id = finish (store, done, &error);

  g_assert_no_error (error);
  return id;
}

void
sprig_test_collect (GtkWidget *root,
                    GType      type,
                    GPtrArray *out)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    sprig_test_collect (c, type, out);
}

static gboolean
is_row_titled (GtkWidget     *widget,
               gconstpointer  title)
{
  return ADW_IS_PREFERENCES_ROW (widget)
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

GtkWidget *
sprig_test_find_row (GtkWidget  *root,
                     const char *title)
{
  return sprig_test_find (root, is_row_titled, title);
}

static gboolean
is_label_containing (GtkWidget     *widget,
                     gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

GtkWidget *
sprig_test_find_label_containing (GtkWidget  *root,
                                  const char *text)
{
  return sprig_test_find (root, is_label_containing, text);
}
