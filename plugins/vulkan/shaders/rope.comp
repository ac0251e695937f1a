/* SPDX-License-Identifier: Apache-2.0
 *
 * Rotates each head of src by its position pos0 + t, with cos/sin from a table the
 * host computed in double (aux0: [n_ctx][head_dim / 2] pairs). NEOX mode pairs (i,
 * i + half), normal mode (2i, 2i + 1). One invocation per pair; dst may be src.
 */
#version 450

layout (local_size_x = 64) in;

layout (std430, binding = 0) readonly buffer Src { float x[]; };
layout (std430, binding = 3) writeonly buffer Dst { float y[]; };
layout (std430, binding = 4) readonly buffer Table { vec2 cs[]; };
layout (std430, binding = 6) readonly buffer Host { uint pos0; uint n; uint pad0; uint pad1; int tokens[]; } host;

layout (push_constant) uniform Params
{
  uint width;
  uint n_head;
  uint head_dim;
  uint neox;
  uint n_tokens;
} p;

void
main ()
{
  uint half_dim = p.head_dim / 2u;
  uint gid = gl_GlobalInvocationID.x, t = gl_GlobalInvocationID.y;
  uint h = gid / half_dim, i = gid % half_dim;
  uint base = t * p.width + h * p.head_dim;
  uint a = p.neox != 0u ? i : 2u * i;
  uint b = p.neox != 0u ? i + half_dim : 2u * i + 1u;
  vec2 c;
  float x0, x1;

  if (h >= p.n_head || t >= p.n_tokens)
    return;
  c = cs[(host.pos0 + t) * half_dim + i];
  x0 = x[base + a];
  x1 = x[base + b];
  y[base + a] = x0 * c.x - x1 * c.y;
  y[base + b] = x0 * c.y + x1 * c.x;
}
