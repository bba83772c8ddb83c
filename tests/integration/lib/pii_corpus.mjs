// A labelled corpus for measuring pii_redact, and the scorer that measures it. Documents read like
// prompts and completions in eight locales; each is a list of segments { text, type, kind } where
// type is null (filler), one of PII_TYPES (an entity that must be redacted, exactly its span), or
// 'DECOY' (a near miss that must come out untouched). Everything is drawn from seeded fakers, so a
// seed gives the same corpus on every machine and every failure can be reproduced.
//
// The scorer takes a document's segments and what the collector made of its text with the replace
// operator everywhere (entities become "<TYPE>"), aligns the two, and counts exact-span hits.

import net from 'node:net';
import { Faker, allLocales, base, en } from '@faker-js/faker';

export const PII_TYPES = Object.freeze(['EMAIL_ADDRESS', 'PHONE_NUMBER', 'CREDIT_CARD', 'IBAN_CODE', 'US_SSN', 'IP_ADDRESS', 'SECRET']);
// 'it' is left out on purpose: faker's Italian phone data is not phone numbers.
export const LOCALES = Object.freeze(['en_US', 'en_GB', 'de', 'fr', 'es', 'nl', 'pt_BR', 'ja']);
// What replace writes; the scorer splits outputs at these.
export const MARKER_RE = /<([A-Z][A-Z0-9_]*)>/g;

export function fakerFor(locale, seed) {
  const f = new Faker({ locale: [allLocales[locale], en, base] });
  f.seed(seed);
  return f;
}

// ---- validators: the generator checks its own labels with these ------------------------------

export function luhnValid(digits) {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return sum % 10 === 0;
}

// Lengths of the SWIFT IBAN registry for the countries faker generates (all of them are there).
export const IBAN_LENGTHS = Object.freeze({
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18,
  GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LI: 21,
  LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30, NL: 18, NO: 15, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19, SK: 24, SM: 27, TL: 23, TN: 24,
  TR: 26, UA: 29, VG: 24, XK: 20,
});

export function ibanValid(text) {
  const s = text.replace(/ /g, '');
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s) || IBAN_LENGTHS[s.slice(0, 2)] !== s.length) return false;
  let m = 0;
  for (const c of s.slice(4) + s.slice(0, 4)) {
    const v = c >= 'A' ? String(c.charCodeAt(0) - 55) : c;
    for (const d of v) m = (m * 10 + Number(d)) % 97;
  }
  return m === 1;
}

export function ssnValid(text) {
  const m = /^(\d{3})[- ](\d{2})[- ](\d{4})$/.exec(text);
  if (!m) return false;
  const [area, group, serial] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (area === 0 || area === 666 || area >= 900 || group === 0 || serial === 0) return false;
  return !['078-05-1120', '219-09-9999'].includes(`${m[1]}-${m[2]}-${m[3]}`);
}

// ---- entities ---------------------------------------------------------------------------------

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const URLSAFE = `${ALNUM}-_`;
const B64 = `${ALNUM}+/`;
const chars = (f, set, n) => f.string.fromCharacters(set, n);
const digits = (f, n) => f.string.numeric({ length: n, allowLeadingZeros: true });
const b64url = (s) => Buffer.from(s).toString('base64url');

// Card digits grouped as people write them: compact, 4-4-4-4(-3), 4-6-5 (15), 4-6-4 (14).
function groupCard(d, sep) {
  if (!sep) return d;
  const sizes = { 13: [4, 4, 5], 14: [4, 6, 4], 15: [4, 6, 5], 16: [4, 4, 4, 4], 19: [4, 4, 4, 4, 3] }[d.length];
  const out = [];
  let i = 0;
  for (const n of sizes) { out.push(d.slice(i, i + n)); i += n; }
  return out.join(sep);
}

function cardDigits(f) {
  if (f.number.int(9) === 0) {
    // A 19-digit UnionPay-style number, which faker does not make.
    const body = `62${digits(f, 16)}`;
    for (let c = 0; c < 10; c++) if (luhnValid(body + c)) return { d: body + c, issuer: 'unionpay19' };
  }
  const issuer = f.helpers.arrayElement(['visa', 'mastercard', 'amex', 'discover', 'jcb', 'diners_club', 'maestro']);
  return { d: f.finance.creditCardNumber(issuer).replace(/\D/g, ''), issuer };
}

function card(f) {
  const { d, issuer } = cardDigits(f);
  const sep = f.helpers.arrayElement(['', '-', ' ']);
  return { text: groupCard(d, sep), kind: `${issuer}/${sep === '' ? 'compact' : sep === '-' ? 'dash' : 'space'}` };
}

function iban(f) {
  const formatted = f.datatype.boolean();
  return { text: f.finance.iban({ formatted }), kind: formatted ? 'groups' : 'compact' };
}

function ssnParts(f) {
  let area;
  do area = f.number.int({ min: 1, max: 899 }); while (area === 666);
  return [String(area).padStart(3, '0'), String(f.number.int({ min: 1, max: 99 })).padStart(2, '0'),
    String(f.number.int({ min: 1, max: 9999 })).padStart(4, '0')];
}

function ssn(f) {
  const sep = f.helpers.arrayElement(['-', ' ']);
  let text;
  do text = ssnParts(f).join(sep); while (!ssnValid(text));
  return { text, kind: sep === '-' ? 'dash' : 'space' };
}

// IPv6 with its longest run of zero groups written as "::" (after zeroing a few groups).
function ipv6Compressed(f) {
  const groups = f.internet.ipv6().split(':').map((g) => g.replace(/^0+(?=.)/, ''));
  const start = f.number.int({ min: 1, max: 5 });
  const len = f.number.int({ min: 2, max: 7 - start });
  for (let i = start; i < start + len; i++) groups[i] = '0';
  return `${groups.slice(0, start).join(':')}::${groups.slice(start + len).join(':')}`;
}

function ip(f) {
  const r = f.number.int(19);
  if (r < 11) return { text: f.internet.ipv4(), kind: 'ipv4' };
  if (r < 16) return { text: f.internet.ipv6(), kind: 'ipv6-full' };
  return { text: ipv6Compressed(f), kind: 'ipv6-compressed' };
}

function email(f) {
  return f.number.int(4) === 0
    ? { text: f.internet.exampleEmail(), kind: 'example' }
    : { text: f.internet.email(), kind: 'faker' };
}

function phone(f, locale, i) {
  const style = ['human', 'national', 'international'][i % 3];
  return { text: f.phone.number({ style }), kind: `${locale}/${style}` };
}

// One generator per SECRET kind of the contract; bodies are random in the real alphabets and
// lengths. before/after put the secret where people paste them.
export const SECRET_KINDS = {
  'openai-legacy': (f) => [`sk-${chars(f, ALNUM, 20)}T3BlbkFJ${chars(f, ALNUM, 20)}`, 'OPENAI_API_KEY='],
  'openai-proj': (f) => [`sk-proj-${chars(f, URLSAFE, 74)}T3BlbkFJ${chars(f, URLSAFE, 73)}${chars(f, ALNUM, 1)}`, 'openai key: '],
  anthropic: (f) => [`sk-ant-api03-${chars(f, URLSAFE, 93)}AA`, 'ANTHROPIC_API_KEY='],
  'aws-akia': (f) => [`AKIA${chars(f, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`, 'aws_access_key_id = '],
  'aws-asia': (f) => [`ASIA${chars(f, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`, 'the temporary key '],
  'github-ghp': (f) => [`ghp_${chars(f, ALNUM, 36)}`, 'GITHUB_TOKEN='],
  'github-gho': (f) => [`gho_${chars(f, ALNUM, 36)}`, 'oauth token '],
  'github-pat': (f) => [`github_pat_11${chars(f, ALNUM, 20)}_${chars(f, ALNUM, 59)}`, 'fine-grained token: '],
  'slack-bot': (f) => [`xoxb-${digits(f, 11)}-${digits(f, 13)}-${chars(f, ALNUM, 24)}`, 'SLACK_BOT_TOKEN='],
  'slack-user': (f) => [`xoxp-${digits(f, 11)}-${digits(f, 11)}-${digits(f, 13)}-${f.string.hexadecimal({ length: 32, casing: 'lower', prefix: '' })}`, 'slack token '],
  'slack-app': (f) => [`xoxa-2-${digits(f, 12)}-${digits(f, 12)}-${chars(f, ALNUM, 32)}`, 'the app token is '],
  'slack-refresh': (f) => [`xoxr-${digits(f, 12)}-${chars(f, ALNUM, 40)}`, 'refresh_token: '],
  'stripe-sk': (f) => [`sk_live_${chars(f, ALNUM, f.helpers.arrayElement([24, 99]))}`, 'STRIPE_SECRET_KEY='],
  'stripe-rk': (f) => [`rk_live_${chars(f, ALNUM, f.number.int({ min: 24, max: 99 }))}`, 'restricted key '],
  google: (f) => [`AIzaSy${chars(f, URLSAFE, 32)}${chars(f, ALNUM, 1)}`, 'GOOGLE_API_KEY='],
  jwt: (f) => {
    const header = f.datatype.boolean() ? { alg: 'HS256', typ: 'JWT' } : { alg: 'RS256', typ: 'JWT', kid: f.string.alphanumeric(8) };
    const payload = { sub: f.string.uuid(), name: f.person.fullName(), iat: f.number.int({ min: 1.6e9, max: 1.75e9 }), admin: f.datatype.boolean() };
    const sig = chars(f, URLSAFE, header.alg === 'HS256' ? 42 : 341) + chars(f, ALNUM, 1);
    return [`${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${sig}`, 'session cookie: '];
  },
  pem: (f) => {
    const label = f.helpers.arrayElement(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
    const lines = Array.from({ length: f.number.int({ min: 3, max: 20 }) }, () => chars(f, B64, 64));
    lines.push(`${chars(f, B64, f.number.int({ min: 4, max: 60 }))}==`);
    return [`-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`, 'here is the key file:\n', '\nthanks'];
  },
  bearer: (f) => {
    // Only the token is the entity: "Bearer " stays in the filler before it.
    const token = `${chars(f, ALNUM, 1)}${chars(f, `${ALNUM}-._~`, f.number.int({ min: 30, max: 62 }))}${chars(f, ALNUM, 1)}`;
    return f.datatype.boolean()
      ? [token, 'curl -H "Authorization: Bearer ', '" https://api.internal.example/v1/chat']
      : [token, 'Authorization: Bearer '];
  },
};

function secret(f, locale, i) {
  const names = Object.keys(SECRET_KINDS);
  const kind = names[i % names.length];
  const [text, before, after] = SECRET_KINDS[kind](f);
  // Half the time a generic lead-in instead of the natural variable name.
  const generic = f.datatype.boolean() && !['pem', 'bearer'].includes(kind);
  return { text, kind, before: generic ? f.helpers.arrayElement(['my key is ', 'use this: ', 'token ']) : before, after: after ?? '' };
}

const ENTITY = { EMAIL_ADDRESS: email, PHONE_NUMBER: phone, CREDIT_CARD: card, IBAN_CODE: iban, US_SSN: ssn, IP_ADDRESS: ip, SECRET: secret };

// Lead-ins and tails around each type; the ja ones sometimes touch the entity with no space.
const CONTEXT = {
  PHONE_NUMBER: {
    en: [['Call me at ', '.'], ['My number is ', ''], ['phone: ', ','], ['you can reach me on ', ' after six']],
    de: [['Rufen Sie mich unter ', ' an.'], ['Telefon: ', ''], ['Meine Nummer ist ', '.']],
    fr: [['Appelez-moi au ', '.'], ['Tél. : ', ''], ['mon numéro est le ', ',']],
    es: [['Llámame al ', '.'], ['Teléfono: ', ''], ['mi número es el ', ',']],
    nl: [['Bel me op ', '.'], ['Telefoon: ', ''], ['mijn nummer is ', ',']],
    pt_BR: [['Me ligue no ', '.'], ['Telefone: ', ''], ['meu número é ', ',']],
    ja: [['電話番号は ', ' です。'], ['電話：', ''], ['連絡先（', '）'], ['TEL ', ' まで']],
  },
  EMAIL_ADDRESS: {
    en: [['email me at ', '.'], ['Contact: ', ''], ['send it to <', '>'], ['reply-to ', ',']],
    de: [['Schreiben Sie an ', '.'], ['E-Mail: ', '']],
    fr: [['Écrivez-moi à ', '.'], ['Courriel : ', '']],
    es: [['Escríbeme a ', '.'], ['Correo: ', '']],
    nl: [['Mail me op ', '.'], ['E-mail: ', '']],
    pt_BR: [['Mande um e-mail para ', '.'], ['E-mail: ', '']],
    ja: [['メールは ', ' までお願いします。'], ['メール：', ''], ['宛先', 'に送信']],
  },
  CREDIT_CARD: { en: [['card number ', ''], ['Paid with ', '.'], ['cc: ', ','], ['charge my card ', ' please']] },
  IBAN_CODE: { en: [['IBAN: ', ''], ['please wire it to ', '.'], ['Kontonummer ', ','], ['account ', ' (savings)']] },
  US_SSN: { en: [['SSN: ', ''], ['my social security number is ', '.'], ['SSN ', ','], ['ssn=', '']] },
  IP_ADDRESS: { en: [['from ', ''], ['client ip=', ''], ['the server at ', '.'], ['connect to ', ' now']] },
};

function contextFor(f, type, locale) {
  const table = CONTEXT[type];
  if (!table) return ['', ''];
  return f.helpers.arrayElement(table[locale] ?? table[locale.slice(0, 2)] ?? table.en);
}

// ---- decoys: near misses that must come out untouched -------------------------------------------

function invalidCard(f) {
  const { d } = cardDigits(f);
  const wrong = d.slice(0, -1) + ((Number(d.at(-1)) + f.number.int({ min: 1, max: 9 })) % 10);
  return [groupCard(wrong, f.helpers.arrayElement(['', '-', ' '])), 'card number '];
}

function badIban(f) {
  const formatted = f.datatype.boolean();
  let text;
  do {
    const good = f.finance.iban({ formatted });
    const check = (Number(good.slice(2, 4)) + f.number.int({ min: 1, max: 40 })) % 100;
    text = good.slice(0, 2) + String(check).padStart(2, '0') + good.slice(4);
  } while (ibanValid(text));
  return [text, 'IBAN: '];
}

function badSsn(f) {
  const [area, group, serial] = ssnParts(f);
  const sep = f.helpers.arrayElement(['-', ' ']);
  const bad = f.helpers.arrayElement([
    ['000', group, serial], ['666', group, serial], [String(f.number.int({ min: 900, max: 999 })), group, serial],
    [area, '00', serial], [area, group, '0000'],
  ]);
  return [bad.join(sep), 'SSN: '];
}

const DATE = (f) => f.date.between({ from: '2019-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' });
const pad = (n, w = 2) => String(n).padStart(w, '0');

export const DECOYS = {
  'invalid-luhn-card': invalidCard,
  'bad-iban-check': badIban,
  'bad-ssn': badSsn,
  'version-5-part': (f) => [Array.from({ length: 5 }, () => f.number.int({ min: 0, max: 20 })).join('.'), 'running build '],
  'order-hash': (f) => [`#${f.number.int({ min: 10_000_000, max: 99_999_999 })}`, 'order '],
  'order-id': (f) => [`ORD-${f.number.int({ min: 2019, max: 2026 })}-${f.number.int({ min: 100_000, max: 999_999 })}`, 'Order ', ' shipped'],
  invoice: (f) => [`INV-${f.number.int({ min: 2019, max: 2026 })}-${pad(f.number.int({ min: 1, max: 99_999 }), 5)}`, 'invoice '],
  'iso-timestamp': (f) => [DATE(f).toISOString(), 'at '],
  date: (f) => {
    const d = DATE(f);
    const [y, m, day] = [d.getUTCFullYear(), pad(d.getUTCMonth() + 1), pad(d.getUTCDate())];
    return [f.helpers.arrayElement([`${y}-${m}-${day}`, `${day}/${m}/${y}`, `${day}.${m}.${y}`, `${m}/${day}/${y}`]), 'on '];
  },
  time: (f) => [`${pad(f.number.int(23))}:${pad(f.number.int(59))}${f.datatype.boolean() ? `:${pad(f.number.int(59))}` : ''}`, 'at '],
  uuid: (f) => [f.string.uuid(), 'request id '],
  'git-sha': (f) => [f.datatype.boolean() ? f.git.commitSha() : f.git.commitSha({ length: 7 }), 'commit '],
  price: (f) => [f.helpers.arrayElement([`$${f.number.int({ min: 1, max: 9 })},${pad(f.number.int(999), 3)}.${pad(f.number.int(99))}`,
    `€${f.number.int({ min: 1, max: 999 })}.${pad(f.number.int(99))}`, `$${f.number.int({ min: 1, max: 999 })}`]), 'it costs '],
  'sk-in-prose': (f) => f.helpers.arrayElement([['sk-learn', 'we used the ', ' pipeline'],
    ['sk-learn-contrib', 'try ', ' for that'], ['sk-', 'OpenAI keys start with ', ' and are long']]),
  semver: (f) => [`v${f.system.semver()}${f.datatype.boolean() ? '' : '-rc.1'}`, 'upgraded to '],
  'host-port': (f) => [`${f.internet.domainWord()}.internal:${f.internet.port()}`, 'listening on '],
  percent: (f) => [`${f.number.float({ min: 0, max: 100, fractionDigits: 1 })}%`, 'accuracy went up by '],
  zip: (f) => [pad(f.number.int({ min: 1001, max: 99_950 }), 5), 'zip code '],
  'unix-ts': (f) => [String(f.number.int({ min: 1.5e9, max: 1.8e9 })), 'epoch '],
};

// ---- filler -----------------------------------------------------------------------------------

// Filler must not itself look like an entity, a marker or a lead-in, or the labels would lie.
const NOT_FILLER = /[0-9@]|<[A-Z]|\b(sk|rk|ghp|gho|xox[abpr])[-_]|AKIA|ASIA|AIza|eyJ|-----|Bearer/;

function fillerSentence(f) {
  for (;;) {
    const s = f.helpers.arrayElement([
      () => f.lorem.sentence(),
      () => `${f.hacker.phrase()}`,
      () => `${f.person.fullName()} from ${f.company.name()} in ${f.location.city()} asked about the ${f.commerce.productName()}.`,
      () => `${f.company.catchPhrase()}.`,
      () => `"${f.lorem.words(3)}", said ${f.person.firstName()}.`,
      () => `See C:\\Users\\${f.person.firstName()}\\notes.txt and tab\tseparated\tcolumns.`,
    ])();
    if (!NOT_FILLER.test(s)) return s;
  }
}

const OPENERS = {
  en: ['Summarize the following customer message:', 'You are a helpful support assistant.', 'Assistant: here is what I found.'],
  de: ['Fasse die folgende Nachricht zusammen:', 'Du bist ein hilfreicher Assistent.'],
  fr: ['Résume le message suivant :', 'Tu es un assistant serviable.'],
  es: ['Resume el siguiente mensaje:', 'Eres un asistente útil.'],
  nl: ['Vat het volgende bericht samen:', 'Je bent een behulpzame assistent.'],
  pt_BR: ['Resuma a mensagem a seguir:', 'Você é um assistente prestativo.'],
  ja: ['次のメッセージを要約してください：', 'あなたは親切なアシスタントです。'],
};

// ---- documents --------------------------------------------------------------------------------

function buildDocument(f, locale, items, id) {
  const segs = [];
  // Offsets after each item's separator: where a document can be cut into array elements
  // without parting an entity from its lead-in ("Bearer ", "IBAN: ").
  const cuts = [];
  let length = 0;
  const text = (t) => {
    length += t.length;
    if (segs.length && segs.at(-1).type === null) segs.at(-1).text += t;
    else segs.push({ text: t, type: null });
  };
  text(`${f.helpers.arrayElement(OPENERS[locale] ?? OPENERS[locale.slice(0, 2)] ?? OPENERS.en)}\n`);
  for (const item of items) {
    if (f.number.int(9) < 7) text(`${fillerSentence(f)} `);
    const { before, after, ...seg } = item;
    text(before);
    segs.push(seg);
    length += seg.text.length;
    text(after);
    text(f.helpers.arrayElement([' ', ' ', '\n', '\n\n', ' — ']));
    cuts.push(length);
  }
  text(fillerSentence(f));
  return { id, locale, segments: segs, text: segs.map((s) => s.text).join(''), cuts };
}

// Generates the corpus: perType entities of each type and decoysPerKind of each decoy kind,
// shuffled into documents of 6 to 14 items, locales in turn.
export function generateCorpus({ seed = 20250917, perType = 400, decoysPerKind = 40, locales = LOCALES } = {}) {
  const master = fakerFor('en_US', seed);
  const fakers = Object.fromEntries(locales.map((l, i) => [l, fakerFor(l, seed + 7919 * (i + 1))]));
  const tasks = [];
  for (const type of PII_TYPES) for (let i = 0; i < perType; i++) tasks.push({ type, i });
  for (const kind of Object.keys(DECOYS)) for (let i = 0; i < decoysPerKind; i++) tasks.push({ decoy: kind });
  master.helpers.shuffle(tasks, { inplace: true });

  const documents = [];
  for (let at = 0; at < tasks.length;) {
    const n = master.number.int({ min: 6, max: 14 });
    const locale = locales[documents.length % locales.length];
    const f = fakers[locale];
    const items = tasks.slice(at, at + n).map((task) => {
      if (task.decoy) {
        const [t, before, after = ''] = DECOYS[task.decoy](f);
        return { text: t, type: 'DECOY', kind: task.decoy, before, after };
      }
      const e = ENTITY[task.type](f, locale, task.i);
      const [before, after] = e.before !== undefined ? [e.before, e.after] : contextFor(f, task.type, locale);
      return { text: e.text, type: task.type, kind: e.kind, before, after };
    });
    at += n;
    documents.push(buildDocument(f, locale, items, `doc-${String(documents.length).padStart(4, '0')}`));
  }
  return { seed, documents };
}

// Problems with the corpus's own labels (empty when every entity is valid by the contract's rules
// and every decoy invalid); the tests assert it is empty before trusting any score.
export function checkCorpus({ documents }) {
  const problems = [];
  for (const doc of documents) {
    for (const s of doc.segments) {
      const bad = (why) => problems.push(`${doc.id} ${s.type}/${s.kind ?? ''} ${JSON.stringify(s.text)}: ${why}`);
      if (s.type === null) { if (/<[A-Z][A-Z0-9_]*>/.test(s.text)) bad('filler contains a marker'); continue; }
      const dig = s.text.replace(/[ -]/g, '');
      if (s.type === 'CREDIT_CARD' && !(/^\d{13,19}$/.test(dig) && luhnValid(dig))) bad('not a Luhn-valid 13-19 digit number');
      if (s.type === 'IBAN_CODE' && !ibanValid(s.text)) bad('not a valid IBAN');
      if (s.type === 'US_SSN' && !ssnValid(s.text)) bad('not a valid SSN');
      if (s.type === 'IP_ADDRESS' && !net.isIP(s.text)) bad('not an IP address');
      if (s.type === 'EMAIL_ADDRESS' && !/^[^\s@]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(s.text)) bad('not an email');
      if (s.kind === 'invalid-luhn-card' && luhnValid(dig)) bad('decoy card passes Luhn');
      if (s.kind === 'bad-iban-check' && ibanValid(s.text)) bad('decoy IBAN is valid');
      if (s.kind === 'bad-ssn' && ssnValid(s.text)) bad('decoy SSN is valid');
    }
  }
  return problems;
}

// ---- helpers for carriers -----------------------------------------------------------------------

// The text with every entity replaced by its marker: what a perfect scanner returns.
export function perfectRedaction(segments) {
  return segments.map((s) => (s.type && s.type !== 'DECOY' ? `<${s.type}>` : s.text)).join('');
}

// Splits a document into `parts` segment lists at its cut points nearest to equal lengths, for
// carrying it as a string array: each element keeps its entities whole and with their lead-ins.
export function splitDocument(doc, parts) {
  const at = [...new Set(Array.from({ length: parts - 1 }, (_, i) => {
    const target = (doc.text.length * (i + 1)) / parts;
    return doc.cuts.reduce((best, c) => (Math.abs(c - target) < Math.abs(best - target) ? c : best), doc.cuts[0]);
  }))].filter((c) => c > 0 && c < doc.text.length).sort((a, b) => a - b);
  const out = [[]];
  let pos = 0;
  for (const seg of doc.segments) {
    let rest = seg;
    while (at.length && at[0] < pos + rest.text.length) {
      // Cuts fall inside filler (or on a segment boundary), never inside an entity.
      const k = at.shift() - pos;
      if (k > 0) out.at(-1).push({ ...rest, text: rest.text.slice(0, k) });
      out.push([]);
      rest = { ...rest, text: rest.text.slice(k) };
      pos += k;
    }
    out.at(-1).push(rest);
    pos += rest.text.length;
  }
  return out;
}

// JSON as Python's json.dumps writes it by default (ensure_ascii): every non-ASCII UTF-16 unit as \uXXXX.
export function jsonAscii(value) {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---- scoring ----------------------------------------------------------------------------------

// Aligns `output` to `original`, assuming output is original with disjoint, non-empty intervals
// replaced by markers. Returns [{ type, start, end }] (intervals of original), or null when the
// output is not of that form (other bytes changed). Leftmost placement, with backtracking.
export function alignMarkers(original, output) {
  const pieces = [];
  const types = [];
  let last = 0;
  for (const m of output.matchAll(MARKER_RE)) {
    pieces.push(output.slice(last, m.index));
    types.push(m[1]);
    last = m.index + m[0].length;
  }
  pieces.push(output.slice(last));
  if (types.length === 0) return original === output ? [] : null;
  if (!original.startsWith(pieces[0]) || !original.endsWith(pieces.at(-1))) return null;
  const failed = new Set();
  const solve = (k, start) => {
    // Marker k-1 starts at `start`; place piece k after it.
    if (k === pieces.length - 1) {
      const p = original.length - pieces[k].length;
      if (p <= start) return null;
      return [p];
    }
    const key = `${k}:${start}`;
    if (failed.has(key)) return null;
    for (let p = start + 1; p <= original.length; p++) {
      p = original.indexOf(pieces[k], p);
      if (p === -1) break;
      const rest = solve(k + 1, p + pieces[k].length);
      if (rest) return [p, ...rest];
    }
    failed.add(key);
    return null;
  };
  const ends = solve(1, pieces[0].length);
  if (!ends) return null;
  let start = pieces[0].length;
  return types.map((type, i) => {
    const m = { type, start, end: ends[i] };
    start = ends[i] + pieces[i + 1].length;
    return m;
  });
}

export function emptyScore() {
  return { counts: {}, fns: [], fps: [], decoysTouched: [], misaligned: [] };
}

const bump = (score, type, field, n = 1) => {
  const c = (score.counts[type] ??= { entities: 0, tp: 0, fp: 0, fn: 0 });
  c[field] += n;
};

const around = (text, start, end, n = 24) =>
  `${text.slice(Math.max(0, start - n), start)}[[${text.slice(start, end)}]]${text.slice(end, end + n)}`;

// Scores one text. `where` (e.g. { doc, carrier }) is copied into every example.
export function scoreText(segments, output, where = {}, score = emptyScore()) {
  const original = segments.map((s) => s.text).join('');
  const labelled = [];
  let pos = 0;
  for (const s of segments) {
    if (s.type) labelled.push({ ...s, start: pos, end: pos + s.text.length });
    pos += s.text.length;
  }
  const entities = labelled.filter((e) => e.type !== 'DECOY');
  for (const e of entities) bump(score, e.type, 'entities');
  const markers = typeof output === 'string' ? alignMarkers(original, output) : null;
  if (!markers) {
    score.misaligned.push({ ...where, original, output });
    for (const e of entities) {
      bump(score, e.type, 'fn');
      score.fns.push({ ...where, type: e.type, kind: e.kind, text: e.text, got: 'output does not align with the input' });
    }
    return score;
  }
  const exact = new Map(labelled.map((e) => [`${e.start}:${e.end}`, e]));
  const covered = new Set();
  for (const m of markers) {
    const e = exact.get(`${m.start}:${m.end}`);
    if (e && e.type === m.type) { bump(score, m.type, 'tp'); covered.add(e); continue; }
    bump(score, m.type, 'fp');
    const overlaps = labelled.filter((x) => x.start < m.end && m.start < x.end);
    score.fps.push({ ...where, type: m.type, text: original.slice(m.start, m.end), context: around(original, m.start, m.end),
      overlaps: overlaps.map((x) => `${x.type}/${x.kind ?? ''} ${JSON.stringify(x.text)}`) });
    for (const d of overlaps.filter((x) => x.type === 'DECOY')) {
      score.decoysTouched.push({ ...where, kind: d.kind, text: d.text, marker: m.type, redacted: original.slice(m.start, m.end) });
    }
  }
  for (const e of entities) {
    if (covered.has(e)) continue;
    bump(score, e.type, 'fn');
    const hits = markers.filter((m) => m.start < e.end && e.start < m.end);
    score.fns.push({ ...where, type: e.type, kind: e.kind, text: e.text, context: around(original, e.start, e.end),
      got: hits.length ? hits.map((m) => `<${m.type}> over ${JSON.stringify(original.slice(m.start, m.end))}`).join(', ') : 'untouched' });
  }
  return score;
}

export function mergeScores(...scores) {
  const out = emptyScore();
  for (const s of scores) {
    for (const [type, c] of Object.entries(s.counts)) for (const [k, v] of Object.entries(c)) bump(out, type, k, v);
    for (const k of ['fns', 'fps', 'decoysTouched', 'misaligned']) out[k].push(...s[k]);
  }
  return out;
}

// Rows { type, entities, tp, fp, fn, precision, recall }: the contract's types first, then any
// other marker type seen. Precision is 1 when there are no markers, recall 1 when no entities.
export function summarize(score) {
  const types = [...PII_TYPES, ...Object.keys(score.counts).filter((t) => !PII_TYPES.includes(t)).sort()];
  return types.map((type) => {
    const c = score.counts[type] ?? { entities: 0, tp: 0, fp: 0, fn: 0 };
    return { type, ...c, precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : 1, recall: c.tp + c.fn ? c.tp / (c.tp + c.fn) : 1 };
  });
}

export function formatTable(rows, title = '') {
  const head = ['type', 'entities', 'TP', 'FP', 'FN', 'precision', 'recall'];
  const body = rows.map((r) => [r.type, r.entities, r.tp, r.fp, r.fn, r.precision.toFixed(4), r.recall.toFixed(4)].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [title, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].filter((l) => l !== '').join('\n');
}
