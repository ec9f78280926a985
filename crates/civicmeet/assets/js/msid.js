// Reading the msid of an m-line in SDP (RFC 8830: `a=msid:<stream> <track>`).
//
// Owns: telling from a server offer whether a received track is someone's
// screen. The server names the screen's m-line with the msid track id
// `screen` (crates/civicmeet-router/src/label.rs); the spec does not tie a
// remote track's `id` to that msid, and Firefox does not, so pages read the
// SDP. No imports, no DOM: tests load it in node as it is.

/** The `[stream id, track id]` of the m-line of `mid` in `sdp`, or null. */
export function msidOf(sdp, mid) {
  if (!sdp || mid == null) return null;
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const lines = section.split(/\r?\n/).map((line) => line.trim());
    if (!lines.includes(`a=mid:${mid}`)) continue;
    const msid = lines.find((line) => line.startsWith('a=msid:'));
    if (!msid) return null;
    const [stream, track = ''] = msid.slice('a=msid:'.length).split(' ');
    return [stream, track];
  }
  return null;
}

/** Whether the m-line of `mid` in `sdp` is someone's screen. */
export function isScreen(sdp, mid) {
  return msidOf(sdp, mid)?.[1] === 'screen';
}
