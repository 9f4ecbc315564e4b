/**
 * A fix for a rhea 3.0.x decoding bug that breaks management replies.
 *
 * rhea decodes the AMQP `list0` encoding (an empty list, typecode 0x45) to one shared array object. When the
 * decoded value is a composite (an attach frame's empty target, an `accepted` outcome, …) rhea fills in fields by
 * assigning into that array, so the shared "empty list" stops being empty: after an anonymous sender attaches,
 * every empty list decoded anywhere in the process comes back as `[null, null, …]` (seven nulls: the fields of
 * a target). Routers encode empty lists as list0, so a QUERY with no rows would arrive with `results` holding
 * phantom rows, and a GET-TYPES entry without base types would hold nulls.
 *
 * The fix makes list0 decode to a fresh array each time. It patches rhea's type table for the whole process
 * (every rhea user benefits, including simulated routers in the same process); it is idempotent and only changes
 * the decoding of typecode 0x45.
 */
import rhea from 'rhea';

const LIST0 = 0x45;
const PATCHED = Symbol.for('ecn.rhea.list0-fresh');

interface TypeDesc { create: (...a: unknown[]) => { value: unknown }; [PATCHED]?: true }

export function applyRheaFixes(): void {
  const byCode = (rhea.types as unknown as { by_code?: Record<number, TypeDesc> }).by_code;
  const desc = byCode?.[LIST0];
  if (!desc || desc[PATCHED]) return;
  const create = desc.create;
  desc.create = function freshList0(...args: unknown[]) {
    const typed = create.apply(this, args);
    typed.value = [];
    return typed;
  };
  desc[PATCHED] = true;
}

applyRheaFixes();
