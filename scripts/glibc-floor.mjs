// Reads which glibc an ELF shared object needs: the newest GLIBC_x.y among
// the versions its .gnu.version_r section (ELF "verneed") requires. That is
// what the dynamic loader checks, so an addon needing GLIBC_2.34 fails to
// load on glibc 2.31 ("version `GLIBC_2.34' not found"). 64-bit
// little-endian ELF only: the linux-x64-gnu and linux-arm64-gnu addons.
//
//   node scripts/glibc-floor.mjs <file.node>           prints e.g. 2.17
//   node scripts/glibc-floor.mjs --check <file.node>   and fails above GLIBC_FLOOR
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The glibc floor the release's linux-x64-gnu addon must not exceed. */
export const GLIBC_FLOOR = '2.28'

const SHT_GNU_VERNEED = 0x6ffffffe

/** Every version name (GLIBC_2.17, GCC_3.0, ...) the object requires. */
export function requiredVersions (buf) {
  if (buf.readUInt32BE(0) !== 0x7f454c46) throw new TypeError('not an ELF file')
  if (buf[4] !== 2 || buf[5] !== 1) throw new TypeError('not a 64-bit little-endian ELF file')
  const shoff = Number(buf.readBigUInt64LE(0x28))
  const shentsize = buf.readUInt16LE(0x3a)
  const shnum = buf.readUInt16LE(0x3c)
  const section = (i) => {
    const at = shoff + i * shentsize
    return {
      type: buf.readUInt32LE(at + 4),
      offset: Number(buf.readBigUInt64LE(at + 0x18)),
      link: buf.readUInt32LE(at + 0x28),
      info: buf.readUInt32LE(at + 0x2c)
    }
  }
  const names = new Set()
  for (let i = 0; i < shnum; i++) {
    const verneed = section(i)
    if (verneed.type !== SHT_GNU_VERNEED) continue
    const strtab = section(verneed.link).offset
    const string = (at) => buf.toString('latin1', strtab + at, buf.indexOf(0, strtab + at))
    // Elf64_Verneed { vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32 },
    // each followed (at vn_aux) by vn_cnt Elf64_Vernaux
    // { vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32 }.
    let need = verneed.offset
    for (let n = 0; n < verneed.info; n++) {
      let aux = need + buf.readUInt32LE(need + 8)
      for (let a = 0; a < buf.readUInt16LE(need + 2); a++) {
        names.add(string(buf.readUInt32LE(aux + 8)))
        aux += buf.readUInt32LE(aux + 12)
      }
      need += buf.readUInt32LE(need + 12)
    }
  }
  return [...names]
}

/** Compares dotted versions numerically: 2.9 < 2.17 < 2.28. */
export function compareVersions (a, b) {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  return 0
}

/** The newest glibc version the file needs, e.g. '2.17'; null if none. */
export function glibcFloor (file) {
  const versions = requiredVersions(readFileSync(file))
    .filter((name) => name.startsWith('GLIBC_') && /^\d+(\.\d+)*$/.test(name.slice(6)))
    .map((name) => name.slice(6))
    .sort(compareVersions)
  return versions.at(-1) ?? null
}

/** The file's glibc floor; throws if it is above GLIBC_FLOOR (or there is none). */
export function checkGlibcFloor (file) {
  const floor = glibcFloor(file)
  if (!floor || compareVersions(floor, GLIBC_FLOOR) > 0) {
    throw new Error(`${file} needs glibc ${floor}, above the floor ${GLIBC_FLOOR}: ` +
      'build it with the glibc 2.17 toolchain (node scripts/toolchain.mjs install)')
  }
  return floor
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv[2] === '--check'
  const file = process.argv[check ? 3 : 2]
  try {
    console.log(check ? checkGlibcFloor(file) : glibcFloor(file))
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
