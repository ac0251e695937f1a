/* SPDX-License-Identifier: Apache-2.0
 *
 * UI tests of the application shell, run under Xvfb: the window opens titled
 * "Sprig" with its empty state, the app actions and shortcuts exist, and the window
 * size round-trips through GSettings.
 */
#include "config.h"

#include <string.h>

#include "sprig-application.h"
#include "sprig-window.h"

static void
spin_until_idle (void)
{
  for (int i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

/* One application for the whole program: a registered GApplication stays exported on
 * the session bus, so a second instance with the same id could not register. */
static SprigApplication *the_app;

static SprigApplication *
start_app (void)
{
  g_autoptr(GError) error = NULL;

  if (the_app == NULL)
    {
      the_app = sprig_application_new (APP_ID);
      g_application_register (G_APPLICATION (the_app), NULL, &error);
      g_assert_no_error (error);
    }
  g_application_activate (G_APPLICATION (the_app));
  spin_until_idle ();
  return g_object_ref (the_app);
}

static GtkWidget *
find_child_of_type (GtkWidget *root,
                    GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_child_of_type (c, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_status_page (GtkWidget  *root,
                  const char *title)
{
  if (ADW_IS_STATUS_PAGE (root) && g_strcmp0 (adw_status_page_get_title (ADW_STATUS_PAGE (root)), title) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_status_page (c, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_window_opens (void)
{
  g_autoptr(SprigApplication) app = start_app ();
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  GtkWidget *status;

  g_assert_true (SPRIG_IS_WINDOW (window));
  g_assert_true (ADW_IS_APPLICATION_WINDOW (window));
  g_assert_cmpstr (gtk_window_get_title (window), ==, "Sprig");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* with no model chosen, the welcome page explains where to get one */
  status = find_status_page (GTK_WIDGET (window), "Welcome to Sprig");
  g_assert_nonnull (status);
  g_assert_true (gtk_widget_get_mapped (status));
  g_assert_nonnull (strstr (adw_status_page_get_description (ADW_STATUS_PAGE (status)), "Bonsai"));
  g_assert_true (gtk_widget_is_sensitive (find_child_of_type (status, GTK_TYPE_BUTTON)));
  /* the sidebar is there too, empty */
  g_assert_nonnull (find_status_page (GTK_WIDGET (window), "No Chats Yet"));

  /* a second activation presents the same window instead of opening another */
  g_application_activate (G_APPLICATION (app));
  spin_until_idle ();
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 1);

  gtk_window_destroy (window);
  spin_until_idle ();
}

static void
test_actions_and_accels (void)
{
  g_autoptr(SprigApplication) app = start_app ();
  g_auto(GStrv) quit = NULL;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  g_assert_true (g_action_map_lookup_action (G_ACTION_MAP (app), "about") != NULL);
  g_assert_true (g_action_map_lookup_action (G_ACTION_MAP (app), "quit") != NULL);
  quit = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  g_assert_cmpstr (quit[0], ==, "<Control>q");
  /* GtkApplication found the shortcuts window in our resources */
  g_assert_nonnull (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

  gtk_window_destroy (window);
  spin_until_idle ();
}

static void
test_window_size_saved (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(SprigApplication) app = NULL;
  GtkWindow *window;
  int w, h;

  g_settings_set_int (settings, "window-width", 700);
  g_settings_set_int (settings, "window-height", 500);
  app = start_app ();
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  gtk_window_get_default_size (window, &w, &h);
  g_assert_cmpint (w, ==, 700);
  g_assert_cmpint (h, ==, 500);

  gtk_window_set_default_size (window, 800, 600);
  gtk_window_close (window);
  spin_until_idle ();
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 800);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 600);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
}

int
main (int argc, char **argv)
{
  int ret;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/sprig/app/window-opens", test_window_opens);
  g_test_add_func ("/sprig/app/actions-and-accels", test_actions_and_accels);
  g_test_add_func ("/sprig/app/window-size-saved", test_window_size_saved);
  ret = g_test_run ();
  g_clear_object (&the_app);
  return ret;
}
