/* SPDX-License-Identifier: Apache-2.0
 *
 * dst[t] = dequantized row tokens[t] of the embedding weight (type WT). One invocation
 * per 32-weight unit and token; the token ids come from the host buffer.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout (local_size_x = 64) in;

layout (std430, binding = 3) writeonly buffer Dst { float y[]; };
layout (std430, binding = 6) readonly buffer Host { uint pos0; uint n; uint pad0; uint pad1; int tokens[]; } host;

layout (push_constant) uniform Params
{
  uint ne0;
  uint n_tokens;
  uint soff;
} p;

void
main ()
{
  uint u = gl_GlobalInvocationID.x, t = gl_GlobalInvocationID.y;
  float v[32];

  if (u * 32u >= p.ne0 || t >= p.n_tokens)
    return;
  se_dequant_unit (uint (host.tokens[t]), u, p.ne0, p.soff, v);
  for (uint i = 0u; i < 32u && u * 32u + i < p.ne0; i++)
    y[t * p.ne0 + u * 32u + i] = v[i];
}
