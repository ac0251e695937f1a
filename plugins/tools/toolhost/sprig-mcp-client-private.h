/* SPDX-License-Identifier: Apache-2.0
 *
 * Test entry points of SprigMcpClient: a client whose server is a stand-in rather than a
 * process, so that the line handler (answers to the server's requests, responses,
 * notifications, tool lists) can be driven, and fuzzed, one line at a time.
 */
#pragma once

#include "sprig-mcp-client.h"

G_BEGIN_DECLS

/* A client that is started and ready, talking to no process: what it sends is kept. */
SprigMcpClient *_sprig_mcp_client_new_for_test       (void);
/* Handles @line as if the server had written it; returns the lines the client sent
 * meanwhile (possibly ""), each ending in '\n'. */
char           *_sprig_mcp_client_feed_line_for_test (SprigMcpClient *client,
                                                      const char     *line,
                                                      gsize           len);

G_END_DECLS
