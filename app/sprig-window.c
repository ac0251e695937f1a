/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigWindow is the main window: a header bar with the primary menu and, until a
 * conversation exists, an empty state. It remembers its size and maximized state in
 * GSettings and marks itself as a development build when it is one.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-window.h"

struct _SprigWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;

  AdwStatusPage *empty_page;
};

G_DEFINE_FINAL_TYPE (SprigWindow, sprig_window, ADW_TYPE_APPLICATION_WINDOW)

SprigWindow *
sprig_window_new (SprigApplication *application)
{
  g_return_val_if_fail (SPRIG_IS_APPLICATION (application), NULL);

  return g_object_new (SPRIG_TYPE_WINDOW, "application", application, NULL);
}

static void
save_window_state (SprigWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
sprig_window_close_request (GtkWindow *window)
{
  save_window_state (SPRIG_WINDOW (window));
  return GTK_WINDOW_CLASS (sprig_window_parent_class)->close_request (window);
}

static void
sprig_window_dispose (GObject *object)
{
  SprigWindow *self = SPRIG_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (sprig_window_parent_class)->dispose (object);
}

static void
sprig_window_class_init (SprigWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sprig_window_dispose;
  window_class->close_request = sprig_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sprigchat/Sprig/sprig-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, empty_page);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
sprig_window_init (SprigWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  adw_status_page_set_icon_name (self->empty_page, APP_ID "-symbolic");

#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif
}
