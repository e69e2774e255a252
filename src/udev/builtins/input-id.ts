/**
 * The `input_id` builtin (udev-builtin-input_id.c, 252): classify an input device from the
 * capability bitmaps of its `input` ancestor (the first of the device and its input ancestors
 * with `capabilities/ev`): capabilities/ev, abs, rel, key and `properties` (space-separated
 * hex words, most significant first, 64-bit longs) and id/bustype.
 *
 * Properties: ID_INPUT=1, then ID_INPUT_ACCELEROMETER (alone), ID_INPUT_POINTINGSTICK,
 * ID_INPUT_MOUSE, ID_INPUT_TOUCHPAD, ID_INPUT_TOUCHSCREEN, ID_INPUT_JOYSTICK, ID_INPUT_TABLET,
 * ID_INPUT_TABLET_PAD, ID_INPUT_KEY, ID_INPUT_KEYBOARD, ID_INPUT_SWITCH. ID_INPUT_WIDTH_MM /
 * HEIGHT_MM need EVIOCGABS on the event node, which a described device cannot answer (as in
 * the oracle, where the node cannot be opened). Always succeeds.
 */
import type { UdevDevice } from '../device.js';
import type { Builtin, BuiltinContext } from './builtin.js';
import { parentWithSubsystemDevtype } from './device-util.js';

// linux/input-event-codes.h
const EV_KEY = 0x01;
const EV_REL = 0x02;
const EV_SW = 0x05;
const ABS_X = 0x00;
const ABS_Y = 0x01;
const ABS_Z = 0x02;
const ABS_RX = 0x03;
const ABS_PRESSURE = 0x18;
const ABS_MT_SLOT = 0x2f;
const ABS_MT_POSITION_X = 0x35;
const ABS_MT_POSITION_Y = 0x36;
const REL_X = 0x00;
const REL_Y = 0x01;
const REL_HWHEEL = 0x06;
const REL_WHEEL = 0x08;
const INPUT_PROP_DIRECT = 0x01;
const INPUT_PROP_POINTING_STICK = 0x05;
const INPUT_PROP_ACCELEROMETER = 0x06;
const BTN_MISC = 0x100;
const BTN_0 = 0x100;
const BTN_MOUSE = 0x110;
const BTN_JOYSTICK = 0x120;
const BTN_DIGI = 0x140;
const BTN_TOOL_PEN = 0x140;
const BTN_TOOL_FINGER = 0x145;
const BTN_TOUCH = 0x14a;
const BTN_STYLUS = 0x14b;
const BTN_DPAD_UP = 0x220;
const BTN_DPAD_RIGHT = 0x223;
const BTN_TRIGGER_HAPPY1 = 0x2c0;
const BTN_TRIGGER_HAPPY40 = 0x2e7;
const KEY_OK = 0x160;
const KEY_ALS_TOGGLE = 0x230;
const BUS_I2C = 0x18;
const WELL_KNOWN_KEYBOARD_KEYS = [29, 58, 69, 110, 113, 140, 144, 155, 164, 224]; // LEFTCTRL CAPSLOCK NUMLOCK INSERT MUTE CALC FILE MAIL PLAYPAUSE BRIGHTNESSDOWN
const HIGH_KEY_BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [KEY_OK, BTN_DPAD_UP],
  [KEY_ALS_TOGGLE, BTN_TRIGGER_HAPPY1],
];

/** NBITS(X_MAX) in 64-bit longs: ev 1, abs 1, rel 1, key 12, props 1. */
const WORDS = { ev: 1, abs: 1, rel: 1, key: 12, props: 1 } as const;

type Bits = readonly bigint[];

/** get_cap_mask(): the last word is bit block 0; unparsable or excess blocks are ignored. */
function capMask(pdev: UdevDevice, attr: string, words: number): Bits {
  const text = pdev.sysattr(attr) ?? '';
  const mask: bigint[] = new Array<bigint>(words).fill(0n);
  const parts = text.split(' ');
  // strrchr loop: words after each space from the right, then the text before the first space.
  for (let i = 0; i < parts.length; i++) {
    const w = parts[parts.length - 1 - i]!;
    if (!/^\s*(?:0[xX])?[0-9a-fA-F]+$/.test(w)) continue;
    const v = BigInt('0x' + w.trim().replace(/^0[xX]/, ''));
    if (v >= 1n << 64n) continue;
    if (i < words) mask[i] = v;
  }
  return mask;
}

function bit(mask: Bits, n: number): boolean {
  const w = mask[Math.floor(n / 64)];
  return w !== undefined && ((w >> BigInt(n % 64)) & 1n) === 1n;
}

function testPointers(add: (k: string) => void, bustype: number, ev: Bits, abs: Bits, key: Bits, rel: Bits, props: Bits): boolean {
  const hasKeys = bit(ev, EV_KEY);
  const hasAbs = bit(abs, ABS_X) && bit(abs, ABS_Y);
  const has3d = hasAbs && bit(abs, ABS_Z);
  let isAccelerometer = bit(props, INPUT_PROP_ACCELEROMETER);
  if (!hasKeys && has3d) isAccelerometer = true;
  if (isAccelerometer) {
    add('ID_INPUT_ACCELEROMETER');
    return true;
  }
  let isPointingStick = bit(props, INPUT_PROP_POINTING_STICK);
  const hasStylus = bit(key, BTN_STYLUS);
  const hasPen = bit(key, BTN_TOOL_PEN);
  const fingerButNoPen = bit(key, BTN_TOOL_FINGER) && !bit(key, BTN_TOOL_PEN);
  let hasMouseButton = false;
  for (let b = BTN_MOUSE; b < BTN_JOYSTICK && !hasMouseButton; b++) hasMouseButton = bit(key, b);
  const hasRel = bit(ev, EV_REL) && bit(rel, REL_X) && bit(rel, REL_Y);
  let hasMt = bit(abs, ABS_MT_POSITION_X) && bit(abs, ABS_MT_POSITION_Y);
  // Some devices (Sony PS controllers) report ABS_MT_SLOT-1 too: not multitouch.
  if (hasMt && bit(abs, ABS_MT_SLOT) && bit(abs, ABS_MT_SLOT - 1)) hasMt = false;
  const isDirect = bit(props, INPUT_PROP_DIRECT);
  const hasTouch = bit(key, BTN_TOUCH);
  const hasPadButtons = bit(key, BTN_0) && hasStylus && !hasPen;
  let joyButtons = 0;
  if (!bit(key, BTN_JOYSTICK - 1)) {
    for (let b = BTN_JOYSTICK; b < BTN_DIGI; b++) if (bit(key, b)) joyButtons++;
    for (let b = BTN_TRIGGER_HAPPY1; b <= BTN_TRIGGER_HAPPY40; b++) if (bit(key, b)) joyButtons++;
    for (let b = BTN_DPAD_UP; b <= BTN_DPAD_RIGHT; b++) if (bit(key, b)) joyButtons++;
  }
  let joyAxes = 0;
  for (let a = ABS_RX; a < ABS_PRESSURE; a++) if (bit(abs, a)) joyAxes++;
  let isTablet = false;
  let isTouchpad = false;
  let isAbsMouse = false;
  let isTouchscreen = false;
  let isJoystick = false;
  if (hasAbs) {
    if (hasStylus || hasPen) isTablet = true;
    else if (fingerButNoPen && !isDirect) isTouchpad = true;
    else if (hasMouseButton) isAbsMouse = true;
    else if (hasTouch || isDirect) isTouchscreen = true;
    else if (joyButtons > 0 || joyAxes > 0) isJoystick = true;
  } else if (joyButtons > 0 || joyAxes > 0) isJoystick = true;
  if (hasMt) {
    if (hasStylus || hasPen) isTablet = true;
    else if (fingerButNoPen && !isDirect) isTouchpad = true;
    else if (hasTouch || isDirect) isTouchscreen = true;
  }
  const isTabletPad = isTablet && hasPadButtons;
  const isMouse = !isTablet && !isTouchpad && !isJoystick && hasMouseButton && (hasRel || !hasAbs);
  if (isMouse && bustype === BUS_I2C) isPointingStick = true;
  if (isJoystick) {
    let wellKnown = 0;
    if (hasKeys) for (const k of WELL_KNOWN_KEYBOARD_KEYS) if (bit(key, k)) wellKnown++;
    if (wellKnown >= 4 || joyButtons + joyAxes < 2) isJoystick = false;
  }
  if (isPointingStick) add('ID_INPUT_POINTINGSTICK');
  if (isMouse || isAbsMouse) add('ID_INPUT_MOUSE');
  if (isTouchpad) add('ID_INPUT_TOUCHPAD');
  if (isTouchscreen) add('ID_INPUT_TOUCHSCREEN');
  if (isJoystick) add('ID_INPUT_JOYSTICK');
  if (isTablet) add('ID_INPUT_TABLET');
  if (isTabletPad) add('ID_INPUT_TABLET_PAD');
  return isTablet || isMouse || isAbsMouse || isTouchpad || isTouchscreen || isJoystick || isPointingStick;
}

function testKey(add: (k: string) => void, ev: Bits, key: Bits): boolean {
  if (!bit(ev, EV_KEY)) return false;
  let found = false;
  for (let i = 0; i < BTN_MISC / 64 && !found; i++) if (key[i] !== 0n) found = true;
  for (const [start, end] of HIGH_KEY_BLOCKS) for (let k = start; k < end && !found; k++) if (bit(key, k)) found = true;
  if (found) add('ID_INPUT_KEY');
  if ((key[0]! & 0xfffffffen) === 0xfffffffen) {
    add('ID_INPUT_KEYBOARD');
    return true;
  }
  return found;
}

function run(ctx: BuiltinContext): undefined {
  const { dev } = ctx;
  let pdev: UdevDevice | undefined = dev;
  while (pdev && pdev.sysattr('capabilities/ev') === undefined) pdev = parentWithSubsystemDevtype(pdev, 'input');
  if (!pdev) return undefined;
  const add = (k: string): void => dev.addProperty(k, '1');
  const bt = pdev.sysattr('id/bustype');
  const bustype = bt !== undefined && /^\s*[0-9a-fA-F]{1,4}$/.test(bt) ? Number.parseInt(bt, 16) : 0;
  add('ID_INPUT');
  const ev = capMask(pdev, 'capabilities/ev', WORDS.ev);
  const abs = capMask(pdev, 'capabilities/abs', WORDS.abs);
  const rel = capMask(pdev, 'capabilities/rel', WORDS.rel);
  const key = capMask(pdev, 'capabilities/key', WORDS.key);
  const props = capMask(pdev, 'properties', WORDS.props);
  const isPointer = testPointers(add, bustype, ev, abs, key, rel, props);
  const isKey = testKey(add, ev, key);
  if (!isPointer && !isKey && bit(ev, EV_REL) && (bit(rel, REL_WHEEL) || bit(rel, REL_HWHEEL))) add('ID_INPUT_KEY');
  if (bit(ev, EV_SW)) add('ID_INPUT_SWITCH');
  return undefined;
}

export const inputIdBuiltin: Builtin = { name: 'input_id', runOnce: false, run };
