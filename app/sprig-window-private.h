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

  AdwLeaflet *leaflet;
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

G_END_DECLS
