// The booking form's proof of work (BK-5): find a nonce so that
// SHA-256(challenge || nonce) starts with `bits` zero bits, and put it in
// the form's hidden field before it is sent.
//
// Owns: only the [data-pow-challenge] form. Without this script the form
// still works; the server then wants the form to have taken at least ten
// seconds instead (see booking/pow.rs).

const encoder = new TextEncoder();

function leadingZeroBits(bytes) {
  let count = 0;
  for (const byte of bytes) {
    if (byte === 0) { count += 8; continue; }
    return count + Math.clz32(byte) - 24;
  }
  return count;
}

/** The first decimal nonce that does the work, counting up from 0. */
async function solve(challenge, bits, batch = 256) {
  for (let n = 0; ; n += 1) {
    const digest = await crypto.subtle.digest('SHA-256', encoder.encode(challenge + n));
    if (leadingZeroBits(new Uint8Array(digest)) >= bits) return String(n);
    // Yield now and then so the page stays responsive while typing.
    if (n % batch === batch - 1) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function start(form) {
  const field = form.querySelector('[data-pow-nonce]');
  const challenge = form.dataset.powChallenge;
  const bits = Number(form.dataset.powBits);
  if (!field || !challenge || !Number.isInteger(bits) || !crypto?.subtle) return;
  const work = solve(challenge, bits).then((nonce) => { field.value = nonce; });
  let submitting = false;
  form.addEventListener('submit', (event) => {
    if (field.value || submitting) return;
    // Still working: wait for the nonce, then send the form as it was.
    event.preventDefault();
    submitting = true;
    work.then(() => form.requestSubmit(event.submitter ?? undefined));
  });
}

for (const form of document.querySelectorAll('form[data-pow-challenge]')) start(form);
