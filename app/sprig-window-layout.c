/* SPDX-License-Identifier: Apache-2.0
 *
 * The window's two panes side by side: an AdwOverlaySplitView that an AdwBreakpoint
 * collapses below 640 sp on libadwaita 1.4 and later, an AdwFlap that folds on its own
 * before. Both are built here because a .ui file naming either would not load with the
 * other libadwaita. Whether the sidebar shows beside the chat is remembered in the
 * "sidebar-visible" setting; when collapsed the sidebar lies over the chat and goes away
 * once a conversation is chosen, and that never changes the setting.
 */
#include "config.h"

#include "sprig-window-private.h"

#define COLLAPSE_CONDITION "max-width: 640sp"

gboolean
_sprig_window_get_sidebar_collapsed (SprigWindow *self)
{
#if ADW_CHECK_VERSION (1, 4, 0)
  return adw_overlay_split_view_get_collapsed (ADW_OVERLAY_SPLIT_VIEW (self->split_view));
#else
  return adw_flap_get_folded (ADW_FLAP (self->split_view));
#endif
}

gboolean
_sprig_window_get_show_sidebar (SprigWindow *self)
{
#if ADW_CHECK_VERSION (1, 4, 0)
  return adw_overlay_split_view_get_show_sidebar (ADW_OVERLAY_SPLIT_VIEW (self->split_view));
#else
  return adw_flap_get_reveal_flap (ADW_FLAP (self->split_view));
#endif
}

void
_sprig_window_set_show_sidebar (SprigWindow *self,
                                gboolean     show)
{
#if ADW_CHECK_VERSION (1, 4, 0)
  adw_overlay_split_view_set_show_sidebar (ADW_OVERLAY_SPLIT_VIEW (self->split_view), show);
#else
  adw_flap_set_reveal_flap (ADW_FLAP (self->split_view), show);
#endif
}

/* A conversation was picked or a new chat started: a sidebar lying over it goes. */
void
_sprig_window_conversation_chosen (SprigWindow *self)
{
  if (_sprig_window_get_sidebar_collapsed (self))
    _sprig_window_set_show_sidebar (self, FALSE);
}

/* libadwaita 1.4 header bars hide the window buttons that a split view puts inside the
 * window; before, the buttons go where the window's edges are by hand. */
static void
update_title_buttons (SprigWindow *self)
{
#if !ADW_CHECK_VERSION (1, 4, 0)
  gboolean beside = _sprig_window_get_show_sidebar (self) &&
                    !_sprig_window_get_sidebar_collapsed (self);

  adw_header_bar_set_show_end_title_buttons (self->sidebar_header, FALSE);
  adw_header_bar_set_show_start_title_buttons (self->content_header, !beside);
#endif
}

static void
collapsed_changed_cb (SprigWindow *self)
{
  gboolean collapsed = _sprig_window_get_sidebar_collapsed (self);

  _sprig_window_set_show_sidebar (self, !collapsed &&
                                  g_settings_get_boolean (self->settings, "sidebar-visible"));
  update_title_buttons (self);
}

static void
show_sidebar_changed_cb (SprigWindow *self)
{
  gboolean shown = _sprig_window_get_show_sidebar (self);

  /* Only the choice made with room for both panes is remembered. */
  if (!_sprig_window_get_sidebar_collapsed (self) &&
      g_settings_get_boolean (self->settings, "sidebar-visible") != shown)
    g_settings_set_boolean (self->settings, "sidebar-visible", shown);
  update_title_buttons (self);
  g_object_notify (G_OBJECT (self), "show-sidebar");
}

#if ADW_CHECK_VERSION (1, 4, 0)
static GtkWidget *
build_split_view (SprigWindow *self)
{
  AdwOverlaySplitView *split = ADW_OVERLAY_SPLIT_VIEW (adw_overlay_split_view_new ());
  AdwBreakpoint *breakpoint = adw_breakpoint_new (adw_breakpoint_condition_parse (COLLAPSE_CONDITION));
  g_auto(GValue) collapsed = G_VALUE_INIT;

  adw_overlay_split_view_set_sidebar (split, self->sidebar_pane);
  adw_overlay_split_view_set_content (split, self->content_pane);
  /* showing and hiding on collapse is done here, with the setting in mind */
  adw_overlay_split_view_set_pin_sidebar (split, TRUE);
  g_value_init (&collapsed, G_TYPE_BOOLEAN);
  g_value_set_boolean (&collapsed, TRUE);
  adw_breakpoint_add_setter (breakpoint, G_OBJECT (split), "collapsed", &collapsed);
  adw_application_window_add_breakpoint (ADW_APPLICATION_WINDOW (self), breakpoint);
  g_signal_connect_object (split, "notify::collapsed", G_CALLBACK (collapsed_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (split, "notify::show-sidebar", G_CALLBACK (show_sidebar_changed_cb),
                           self, G_CONNECT_SWAPPED);
  return GTK_WIDGET (split);
}
#else
static GtkWidget *
build_split_view (SprigWindow *self)
{
  AdwFlap *flap = ADW_FLAP (adw_flap_new ());

  adw_flap_set_flap (flap, self->sidebar_pane);
  adw_flap_set_content (flap, self->content_pane);
  adw_flap_set_separator (flap, gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  /* folding the flap shows its own content over the chat: it needs a background */
  gtk_widget_add_css_class (self->sidebar_pane, "background");
  /* the flap folds when the minimum widths (280 + 360 px) no longer fit; showing and
   * hiding on folding is done here, with the setting in mind */
  adw_flap_set_fold_policy (flap, ADW_FLAP_FOLD_POLICY_AUTO);
  adw_flap_set_locked (flap, TRUE);
  adw_flap_set_swipe_to_open (flap, TRUE);
  adw_flap_set_swipe_to_close (flap, TRUE);
  g_signal_connect_object (flap, "notify::folded", G_CALLBACK (collapsed_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (flap, "notify::reveal-flap", G_CALLBACK (show_sidebar_changed_cb),
                           self, G_CONNECT_SWAPPED);
  return GTK_WIDGET (flap);
}
#endif

void
_sprig_window_layout_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, sidebar_pane);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, content_pane);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, sidebar_header);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, content_header);
}

/* Puts the template's two panes into the split view; needs self->settings. */
void
_sprig_window_layout_init (SprigWindow *self)
{
  self->split_view = build_split_view (self);
  _sprig_window_set_show_sidebar (self, g_settings_get_boolean (self->settings, "sidebar-visible"));
  update_title_buttons (self);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (self), self->split_view);
}
