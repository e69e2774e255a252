/**
 * Module parameters (kernel/params.c): the kinds a module_param() can have, how their values
 * are parsed (param_set_*) and printed (param_get_*), and parse_args over the option string
 * init_module receives. Unknown names are only warned about (unknown_module_param_cb); a bad
 * value for a known parameter fails the load.
 */
import { kerr } from '../base/index.js';

export const moduleParamTypes = ['bool', 'invbool', 'int', 'uint', 'long', 'ulong', 'charp'] as const;
export type ModuleParamType = (typeof moduleParamTypes)[number];

/** module_param(name, type, perm) with its default value (already in param_get_* form, no newline). */
export interface ModuleParamInfo {
  readonly name: string;
  readonly type: ModuleParamType;
  /** sysfs permission; 0 = no file under /sys/module/<m>/parameters. */
  readonly perm: number;
  readonly default: string;
  readonly description?: string;
}

/** kstrtobool: y/Y/1/n/N/0 and on/off (first characters decide). */
function kstrtobool(s: string): boolean {
  const c = s[0];
  if (c === 'y' || c === 'Y' || c === '1') return true;
  if (c === 'n' || c === 'N' || c === '0') return false;
  if ((c === 'o' || c === 'O') && s.length >= 2) {
    if (s[1] === 'n' || s[1] === 'N') return true;
    if (s[1] === 'f' || s[1] === 'F') return false;
  }
  throw kerr('EINVAL', `invalid boolean '${s}'`);
}

/** kstrtol/kstrtoul(…, 0): sign where allowed, 0x hex, 0 octal, decimal; one trailing newline. */
function kstrtoint(s: string, signed: boolean, bits: number): bigint {
  let t = s.endsWith('\n') ? s.slice(0, -1) : s;
  let neg = false;
  if (t.startsWith('-') && signed) {
    neg = true;
    t = t.slice(1);
  } else if (t.startsWith('+')) t = t.slice(1);
  let v: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = BigInt(t);
  else if (/^0[0-7]+$/.test(t)) v = BigInt(`0o${t.slice(1)}`);
  else if (/^[0-9]+$/.test(t)) v = BigInt(t);
  else throw kerr('EINVAL', `invalid number '${s}'`);
  if (neg) v = -v;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  if (v > max || v < min) throw kerr('ERANGE', `number out of range '${s}'`);
  return v;
}

/**
 * param_set_* then param_get_*: the value as the parameter file will print it (without the
 * newline). `value` undefined is the bare `name` form, allowed for bools only (KERNEL_PARAM_OPS_FL_NOARG).
 * @throws {DriverModelError} EINVAL for a value the type cannot take (ERANGE from the number
 *   parsers is reported as the kernel's param_set_* reports it: EINVAL).
 */
export function parseModuleParam(type: ModuleParamType, value: string | undefined): string {
  try {
    switch (type) {
      case 'bool':
        return value === undefined || kstrtobool(value) ? 'Y' : 'N';
      case 'invbool':
        return value === undefined || kstrtobool(value) ? 'N' : 'Y';
      case 'int':
        return String(kstrtoint(need(value), true, 32));
      case 'uint':
        return String(kstrtoint(need(value), false, 32));
      case 'long':
        return String(kstrtoint(need(value), true, 64));
      case 'ulong':
        return String(kstrtoint(need(value), false, 64));
      case 'charp':
        return need(value).replace(/\n$/, '');
    }
  } catch {
    throw kerr('EINVAL', `invalid value for a ${type} parameter`);
  }
}

function need(value: string | undefined): string {
  if (value === undefined) throw kerr('EINVAL', 'parameter needs a value');
  return value;
}

/**
 * next_arg: split an option string into `name[=value]` words; double quotes group spaces and
 * are removed (a quoted value keeps its spaces).
 */
export function splitModuleOptions(options: string): { name: string; value: string | undefined }[] {
  const out: { name: string; value: string | undefined }[] = [];
  let i = 0;
  while (i < options.length) {
    while (i < options.length && /\s/.test(options[i]!)) i++;
    if (i >= options.length) break;
    let word = '';
    let quoted = false;
    while (i < options.length && (quoted || !/\s/.test(options[i]!))) {
      if (options[i] === '"') quoted = !quoted;
      else word += options[i];
      i++;
    }
    const eq = word.indexOf('=');
    out.push(eq < 0 ? { name: word, value: undefined } : { name: word.slice(0, eq), value: word.slice(eq + 1) });
  }
  return out;
}

/** parameq: '-' and '_' are the same in parameter names. */
export function paramName(name: string): string {
  return name.replace(/-/g, '_');
}
