/* SPDX-License-Identifier: Apache-2.0
 *
 * The search side of SprigSidebar: a GtkSearchBar whose entry queries the store as the
 * user types (GtkSearchEntry's search-changed already waits for a pause), one query at
 * a time: a new one cancels the one before, so a slow answer to old words never
 * replaces the answer to new ones. Activating a hit is the sidebar's
 * "search-hit-activated"; Escape closes the search and the list comes back.
 */
#include "config.h"

#include "sprig-search-row.h"
#include "sprig-sidebar-private.h"

#define SEARCH_LIMIT 50

static void
clear_results (SprigSidebar *self)
{
  GtkWidget *row;

  while ((row = gtk_widget_get_first_child (GTK_WIDGET (self->results_list))) != NULL)
    gtk_list_box_remove (self->results_list, row);
  self->n_results = 0;
}

/* TRUE while the search bar is open with words in it. */
gboolean
_sprig_sidebar_search_has_query (SprigSidebar *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (!gtk_search_bar_get_search_mode (self->search_bar))
    return FALSE;
  while (g_ascii_isspace (*text))
    text++;
  return *text != '\0';
}

static void
searched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SprigSidebar) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = sprig_store_search_finish (SPRIG_STORE (source), result, &error);

  /* A cancelled query was replaced by a newer one, or the search was closed. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  clear_results (self);
  if (hits == NULL)
    _sprig_sidebar_report_error (self, error);
  for (guint i = 0; hits != NULL && i < hits->len; i++)
    gtk_list_box_append (self->results_list, sprig_search_row_new (g_ptr_array_index (hits, i)));
  self->n_results = hits != NULL ? hits->len : 0;
  self->answered = TRUE;
  _sprig_sidebar_update_page (self);
}

static void
cancel_search (SprigSidebar *self)
{
  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
}

/* Asks the store for the entry's words; the answer replaces the results shown. */
void
_sprig_sidebar_search_run (SprigSidebar *self)
{
  cancel_search (self);
  if (self->store == NULL || !_sprig_sidebar_search_has_query (self))
    return;
  self->search_cancellable = g_cancellable_new ();
  sprig_store_search_async (self->store, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)),
                            SEARCH_LIMIT, self->search_cancellable, searched_cb,
                            g_object_ref (self));
}

static void
search_changed_cb (SprigSidebar *self)
{
  if (!_sprig_sidebar_search_has_query (self))
    {
      cancel_search (self);
      clear_results (self);
      self->answered = FALSE;
      _sprig_sidebar_update_page (self);
      return;
    }
  _sprig_sidebar_search_run (self);
}

static void
search_mode_cb (SprigSidebar *self)
{
  gboolean had_focus;

  if (gtk_search_bar_get_search_mode (self->search_bar))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
      return;
    }
  /* Closed: forget the query and go back to the list, keeping the keyboard there. */
  had_focus = gtk_widget_get_focus_child (GTK_WIDGET (self)) != NULL;
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  search_changed_cb (self);
  if (had_focus)
    gtk_widget_grab_focus (GTK_WIDGET (self->list_view));
}

static void
result_activated_cb (GtkListBox    *list,
                     GtkListBoxRow *row,
                     SprigSidebar  *self)
{
  SprigSearchRow *hit = SPRIG_SEARCH_ROW (row);

  _sprig_sidebar_emit_hit (self, sprig_search_row_get_conversation_id (hit),
                           sprig_search_row_get_message_id (hit));
}

/* Opens the search bar, or selects its words when it is open, with the focus in it. */
void
sprig_sidebar_start_search (SprigSidebar *self)
{
  g_return_if_fail (SPRIG_IS_SIDEBAR (self));

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

/* Sets the search words (opening the search bar); the results follow asynchronously. */
void
sprig_sidebar_search (SprigSidebar *self,
                      const char   *text)
{
  g_return_if_fail (SPRIG_IS_SIDEBAR (self));
  g_return_if_fail (text != NULL);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text);
  /* at once, not after search-changed's typing delay */
  search_changed_cb (self);
}

static void
stop_search_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  gtk_search_bar_set_search_mode (SPRIG_SIDEBAR (widget)->search_bar, FALSE);
}

static void
update_stop_action (SprigSidebar *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sidebar.stop-search",
                                 gtk_search_bar_get_search_mode (self->search_bar));
}

void
_sprig_sidebar_search_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, SprigSidebar, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SprigSidebar, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SprigSidebar, results_list);
  gtk_widget_class_install_action (widget_class, "sidebar.stop-search", NULL,
                                   stop_search_action_cb);
  /* Escape anywhere in the sidebar, the results included, not only in the entry */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "sidebar.stop-search",
                                       NULL);
}

void
_sprig_sidebar_search_init (SprigSidebar *self)
{
  g_signal_connect_object (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (search_mode_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (update_stop_action), self, G_CONNECT_SWAPPED);
  g_signal_connect (self->results_list, "row-activated", G_CALLBACK (result_activated_cb), self);
  update_stop_action (self);
}

void
_sprig_sidebar_search_dispose (SprigSidebar *self)
{
  cancel_search (self);
}
