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

test("body and bodyUsed are getters named 'get body' and 'get bodyUsed' on Request and Response", (t) => {
  for (const C of [Request, Response]) {
    for (const name of ['body', 'bodyUsed']) {
      t.is(Object.getOwnPropertyDescriptor(C.prototype, name).get.name, `get ${name}`, `${C.name}.${name}`)
    }
  }
})

for (const [name, Ours] of [['Request', Request], ['Response', Response], ['Headers', Headers]]) {
  test(`${name}'s getters are named, enumerable and read-only as on Node's ${name}`, (t) => {
    t.deepEqual(accessors(Ours.prototype), accessors(globalThis[name].prototype))
  })
}

test("Request's class string is a data property, as on Node's Request", (t) => {
  const descriptor = (C) => Object.getOwnPropertyDescriptor(C.prototype, Symbol.toStringTag)
  t.deepEqual(descriptor(Request), descriptor(globalThis.Request))
})
