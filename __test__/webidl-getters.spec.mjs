// The accessors of Request, Response and Headers have WebIDL's shape, as on
// Node's own classes: a getter of attribute `x` is a function named 'get x'.
import test from 'ava'
import { Request, Response, Headers } from '../index.mjs'

/** The string-named accessors of a prototype: name → [getter name, has a setter, enumerable]. */
function accessors (proto) {
  const out = {}
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
    if (d.get !== undefined) out[name] = [d.get.name, d.set !== undefined, d.enumerable]
  }
  return out
}

for (const [name, Ours] of [['Request', Request], ['Response', Response], ['Headers', Headers]]) {
  test(`${name}'s getters are named as on Node's ${name} (body is 'get body', bodyUsed 'get bodyUsed')`, (t) => {
    t.deepEqual(accessors(Ours.prototype), accessors(globalThis[name].prototype))
  })
}

test("Request's class string is a data property, as on Node's Request", (t) => {
  const descriptor = (C) => Object.getOwnPropertyDescriptor(C.prototype, Symbol.toStringTag)
  t.deepEqual(descriptor(Request), descriptor(globalThis.Request))
})
