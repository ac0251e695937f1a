/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigApplication owns the app-wide actions (preferences, about, quit) and their
 * shortcuts, applies the color scheme from GSettings, and opens the main window.
 * Resources are looked up under the base id so that the development build
 * (…Sprig.Devel) finds the same UI files.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gtksourceview/gtksource.h>

#include "sprig-application.h"
#include "sprig-preferences-window.h"
#include "sprig-store.h"
#include "sprig-window.h"

struct _SprigApplication
{
  AdwApplication parent_instance;

  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (SprigApplication, sprig_application, ADW_TYPE_APPLICATION)

SprigApplication *
sprig_application_new (const char *application_id)
{
  g_return_val_if_fail (application_id != NULL, NULL);

  return g_object_new (SPRIG_TYPE_APPLICATION,
                       "application-id", application_id,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/sprigchat/Sprig",
                       NULL);
}

static void
sprig_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (sprig_window_new (SPRIG_APPLICATION (app)));
  gtk_window_present (window);
}

/* `--export-all DIR` and `--import FILE` run the store and exit without a window. */
static int
sprig_application_handle_local_options (GApplication *app,
                                        GVariantDict *options)
{
  g_autofree char *export_dir = NULL;
  g_autofree char *import_file = NULL;

  if (g_variant_dict_lookup (options, "export-all", "^ay", &export_dir))
    return sprig_store_run_command (NULL, SPRIG_STORE_COMMAND_EXPORT_ALL, export_dir);
  if (g_variant_dict_lookup (options, "import", "^ay", &import_file))
    return sprig_store_run_command (NULL, SPRIG_STORE_COMMAND_IMPORT, import_file);
  return -1;
}

static void
color_scheme_changed_cb (SprigApplication *self)
{
  static const AdwColorScheme schemes[] = {
    ADW_COLOR_SCHEME_DEFAULT, ADW_COLOR_SCHEME_FORCE_LIGHT, ADW_COLOR_SCHEME_FORCE_DARK,
  };
  guint scheme = (guint) g_settings_get_enum (self->settings, "color-scheme");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      schemes[MIN (scheme, G_N_ELEMENTS (schemes) - 1)]);
}

static void
sprig_application_startup (GApplication *app)
{
  SprigApplication *self = SPRIG_APPLICATION (app);

  G_APPLICATION_CLASS (sprig_application_parent_class)->startup (app);
  gtk_source_init ();

  self->settings = g_settings_new (APP_ID);
  g_signal_connect_swapped (self->settings, "changed::color-scheme",
                            G_CALLBACK (color_scheme_changed_cb), self);
  color_scheme_changed_cb (self);

  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/sprigchat/Sprig/icons");
  gtk_window_set_default_icon_name (APP_ID);
}

static void
preferences_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  gtk_window_present (GTK_WINDOW (sprig_preferences_window_new (parent)));
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Sprig developers", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Sprig"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Sprig developers"),
                        "version", PACKAGE_VERSION,
                        "website", "https://github.com/sprigchat/sprig",
                        "issue-url", "https://github.com/sprigchat/sprig/issues",
                        "license-type", GTK_LICENSE_APACHE_2_0,
                        "developers", developers,
                        /* Translators: put your names here, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = gtk_application_get_windows (app);

  /* Closing saves each window's state; one that is generating first stops and saves the
   * partial reply, then goes. The application ends with its last window, so quitting
   * never cuts a save short. */
  for (GList *l = windows; l != NULL;)
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }
}

static const GActionEntry app_actions[] = {
  { .name = "preferences", .activate = preferences_action_cb },
  { .name = "about", .activate = about_action_cb },
  { .name = "quit", .activate = quit_action_cb },
};

static void
sprig_application_dispose (GObject *object)
{
  SprigApplication *self = SPRIG_APPLICATION (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sprig_application_parent_class)->dispose (object);
}

static void
sprig_application_class_init (SprigApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = sprig_application_dispose;

  app_class->activate = sprig_application_activate;
  app_class->startup = sprig_application_startup;
  app_class->handle_local_options = sprig_application_handle_local_options;
}

static void
sprig_application_init (SprigApplication *self)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  /* Application accelerators act before the focused widget, so Ctrl+F opens the
   * sidebar's search from the composer too. */
  static const char *search_accels[] = { "<Control>f", NULL };
  static const char *sidebar_accels[] = { "F9", NULL };

  g_application_add_main_option (G_APPLICATION (self), "export-all", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_FILENAME,
                                 _("Export all conversations to DIR as JSON and Markdown"),
                                 _("DIR"));
  g_application_add_main_option (G_APPLICATION (self), "import", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_FILENAME,
                                 _("Import conversations from a Sprig JSON export"),
                                 _("FILE"));

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.search", search_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-sidebar",
                                         sidebar_accels);
}
