/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sprig/se-engine.h>

#include "sprig-chat-view.h"
#include "sprig-sidebar.h"
#include "sprig-window.h"

G_BEGIN_DECLS

struct _SprigWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;
  SprigStore *store;
  SeEngine *engine;
  SprigChat *chat;

  GtkWidget *split_view;      /* AdwOverlaySplitView, or AdwFlap before libadwaita 1.4 */
  GtkWidget *sidebar_pane;
  GtkWidget *content_pane;
  AdwHeaderBar *sidebar_header;
  AdwHeaderBar *content_header;
  SprigSidebar *sidebar;
  AdwWindowTitle *content_title;
  AdwToastOverlay *toast_overlay;
  GtkStack *main_stack;
  AdwStatusPage *empty_page;
  AdwStatusPage *loading_page;
  GtkProgressBar *load_progress;
  SprigChatView *chat_view;

  char *model_name;          /* file name of the loaded model, NULL if none */
  guint load_request;
  gint64 pending_conversation;
  gboolean closing;
};

void _sprig_window_toast         (SprigWindow *self,
                                  const char  *message);
void _sprig_window_open_model    (SprigWindow *self);
void _sprig_window_update_title  (SprigWindow *self);

/* sprig-window-layout.c */
void     _sprig_window_layout_class_init       (GtkWidgetClass *widget_class);
void     _sprig_window_layout_init             (SprigWindow    *self);
gboolean _sprig_window_get_sidebar_collapsed   (SprigWindow    *self);
gboolean _sprig_window_get_show_sidebar        (SprigWindow    *self);
void     _sprig_window_set_show_sidebar        (SprigWindow    *self,
                                                gboolean        show);
void     _sprig_window_conversation_chosen     (SprigWindow    *self);

G_END_DECLS
