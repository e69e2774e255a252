/** A state as a URL: the scenario text, deflated (fflate, synchronous) into the fragment as base64url. */
import { strFromU8, strToU8, unzlibSync, zlibSync } from 'fflate';

export function encodeState(text: string): string {
  const bytes = zlibSync(strToU8(text), { level: 9 });
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeState(fragment: string): string {
  const b64 = fragment.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return strFromU8(unzlibSync(bytes));
}
