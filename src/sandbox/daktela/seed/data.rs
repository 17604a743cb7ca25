//! The demo instance's names and Czech texts: users, queues, categories, accounts, contacts,
//! ticket subjects, e-mail bodies (quoted replies and signatures), call dialogues and the
//! conversations of the messaging channels.
//!
//! Owns: those literals. Must not: build records (the parent module does).

/// (login, first name, last name, type).
pub(super) const USERS: &[(&str, &str, &str, &str)] = &[
    ("jnovak", "Jan", "Novák", "user"),
    ("pdvorakova", "Petra", "Dvořáková", "user"),
    ("mcerny", "Martin", "Černý", "user"),
    ("lsvobodova", "Lucie", "Svobodová", "user"),
    ("tprochazka", "Tomáš", "Procházka", "user"),
    ("admin", "Správce", "Systému", "admin"),
];

/// (name, title, type).
pub(super) const QUEUES: &[(&str, &str, &str)] = &[
    ("1000", "Příchozí linka podpory", "in"),
    ("1001", "Odchozí kampaň", "out"),
    ("2000", "E-mailová podpora", "email"),
    ("3000", "Webový chat", "chat"),
    ("4000", "SMS zprávy", "sms"),
    ("5000", "Messenger", "fbm"),
    ("5100", "Instagram", "igdm"),
    ("6000", "WhatsApp", "wap"),
    ("6100", "Viber", "vbr"),
];

/// (title, SLA title, response minutes, solution minutes).
pub(super) const CATEGORIES: &[(&str, &str, u32, u32)] = &[
    ("Technická podpora", "Standardní SLA", 240, 2880),
    ("Fakturace", "Standardní SLA", 240, 2880),
    ("Reklamace", "Prioritní SLA", 60, 1440),
    ("Obchod", "Standardní SLA", 240, 2880),
    ("Obecné dotazy", "Základní SLA", 480, 5760),
];

pub(super) const ACCOUNTS: &[&str] = &[
    "Pivovar Bohemia s.r.o.",
    "Strojírny Vysočina a.s.",
    "Kavárna U Zlatého kohouta",
    "Účetnictví Dvořák & syn",
    "Městská knihovna Žďár nad Sázavou",
    "Elektro Šimek s.r.o.",
];

/// (first name, last name, account index, e-mail, phone).
pub(super) const CONTACTS: &[(&str, &str, usize, &str, &str)] = &[
    (
        "Jana",
        "Dvořáková",
        0,
        "jana.dvorakova@pivovar-bohemia.cz",
        "+420601123456",
    ),
    (
        "Karel",
        "Veselý",
        1,
        "vesely@strojirny-vysocina.cz",
        "+420602234567",
    ),
    (
        "Eva",
        "Horáková",
        2,
        "eva@uzlatehokohouta.cz",
        "+420603345678",
    ),
    (
        "Jiří",
        "Dvořák",
        3,
        "jiri.dvorak@ucetnictvi-dvorak.cz",
        "+420604456789",
    ),
    (
        "Marie",
        "Kučerová",
        4,
        "kucerova@knihovna-zdar.cz",
        "+420605567890",
    ),
    (
        "Ondřej",
        "Šimek",
        5,
        "ondrej@elektro-simek.cz",
        "+420606678901",
    ),
    (
        "Zuzana",
        "Němcová",
        0,
        "nemcova@pivovar-bohemia.cz",
        "+420607789012",
    ),
    (
        "Pavel",
        "Marek",
        1,
        "marek@strojirny-vysocina.cz",
        "+420608890123",
    ),
    (
        "Hana",
        "Pokorná",
        2,
        "hana.pokorna@seznam.cz",
        "+420609901234",
    ),
    (
        "Lukáš",
        "Růžička",
        3,
        "ruzicka@ucetnictvi-dvorak.cz",
        "+420720112233",
    ),
    (
        "Tereza",
        "Kolářová",
        4,
        "kolarova@knihovna-zdar.cz",
        "+420721223344",
    ),
    (
        "Vojtěch",
        "Beneš",
        5,
        "benes@elektro-simek.cz",
        "+420722334455",
    ),
];

pub(super) const SUBJECTS: &[&str] = &[
    "Nefunguje přihlášení do zákaznického portálu",
    "Chybná částka na faktuře za září",
    "Reklamace poškozeného zboží",
    "Dotaz na prodloužení smlouvy",
    "Změna fakturační adresy",
    "Objednávka nedorazila včas",
    "Žádost o vrácení peněz",
    "Aplikace padá při otevření košíku",
    "Nabídka pro firemní zákazníky",
    "Zapomenuté heslo k účtu",
    "Duplicitní platba kartou",
    "Dotaz k otevírací době pobočky",
    "Vadný čtečka čárových kódů",
    "Prosba o zaslání dobropisu",
    "Nelze stáhnout výpis v PDF",
    "Stížnost na chování kurýra",
];

pub(super) const DESCRIPTIONS: &[&str] = &[
    "Zákazník hlásí problém a žádá o co nejrychlejší řešení.",
    "Požadavek přišel e-mailem, čeká se na doplnění údajů.",
    "Ověřit v systému a zavolat zpět do konce týdne.",
    "Zákaznice je nespokojená, jednat prosím přednostně.",
];

/// The e-mail with a quoted reply: plain text with a `-- ` signature and a Czech
/// `Dne ... napsal(a):` block of `> ` lines.
pub(super) const QUOTED_EMAIL: &str = "Dobrý den,\n\nděkuji za rychlou odpověď. Bohužel se mi \
stále nedaří přihlásit, heslo jsem obnovovala už dvakrát a portál hlásí „Neplatné \
přihlašovací údaje“.\n\nS pozdravem\nJana Dvořáková\n\n-- \nJana Dvořáková\nPivovar Bohemia \
s.r.o.\ntel. +420 601 123 456\n\nDne 2. 9. 2025 v 10:15 Jan Novák <podpora@daktela-demo.cz> \
napsal(a):\n> Dobrý den,\n> zkuste prosím obnovit heslo přes odkaz „Zapomenuté heslo“.\n> \n\
> Jan Novák, zákaznická podpora\n";

/// HTML bodies of the other e-mails; the second carries an English `On ... wrote:` block.
pub(super) const HTML_EMAILS: &[&str] = &[
    "<p>Dobrý den,</p><p>v příloze posílám fotografie poškozeného balíku. Prosím o vyřízení \
reklamace.</p><p>S pozdravem<br>Karel Veselý</p><p>-- <br>Strojírny Vysočina a.s.</p>",
    "<div>Dobrý den, paní Horáková,</div><div>fakturu jsme opravili, nová je v příloze.</div>\
<div>-- <br>Petra Dvořáková<br>zákaznická podpora</div><div>On Tue, 2 Sep 2025 at 09:12, \
Eva Horáková &lt;eva@uzlatehokohouta.cz&gt; wrote:</div><blockquote>&gt; Na faktuře je \
špatná částka, prosím o opravu.</blockquote>",
    "<p>Dobrý den,</p><p>potvrzujeme přijetí Vašeho požadavku. Budeme Vás kontaktovat do dvou \
pracovních dnů.</p><p>Zákaznická podpora</p>",
    "<p>Dobrý den,</p><p>děkuji, vše už funguje. Požadavek můžete uzavřít.</p><p>Díky, \
Ondřej Šimek</p>",
];

/// Call dialogues, turn by turn: (speaker type, text).
pub(super) const DIALOGUES: &[&[(&str, &str)]] = &[
    &[
        (
            "agent",
            "Dobrý den, zákaznická podpora, u telefonu Jan Novák. Jak vám mohu pomoci?",
        ),
        (
            "customer",
            "Dobrý den, nemůžu se přihlásit do zákaznického portálu.",
        ),
        ("agent", "Rozumím. Zkoušela jste už obnovit heslo?"),
        (
            "customer",
            "Ano, dvakrát, ale pořád to hlásí neplatné údaje.",
        ),
        (
            "agent",
            "Podívám se na to. Váš účet byl zablokován, právě jsem ho odblokoval.",
        ),
        ("customer", "Teď už to funguje, děkuji moc."),
        ("agent", "Rádo se stalo. Hezký den, na shledanou."),
    ],
    &[
        ("agent", "Dobrý den, fakturační oddělení, Petra Dvořáková."),
        (
            "customer",
            "Dobrý den, na faktuře za září mám o tisíc korun víc.",
        ),
        (
            "agent",
            "Omlouvám se, vidím chybu v počtu licencí. Pošlu vám dobropis.",
        ),
        ("customer", "Výborně, děkuji."),
    ],
    &[
        ("customer", "Haló, volám kvůli reklamaci čtečky."),
        ("agent", "Dobrý den, máte prosím číslo objednávky?"),
        ("customer", "Ano, OBJ-2025-0142."),
        (
            "agent",
            "Děkuji, reklamaci jsem založil, kurýr si čtečku vyzvedne zítra.",
        ),
        ("customer", "Dobře, budu doma od osmi."),
    ],
];

/// Conversations of the messaging channels (chat, SMS, Messenger, Instagram, WhatsApp,
/// Viber), one line per message, `Zákazník:` or `Operátor:` first.
pub(super) const CONVERSATIONS: &[&str] = &[
    "Zákazník: Dobrý den, kdy mi dorazí objednávka?\nOperátor: Dobrý den, zásilka je na cestě \
a doručena bude zítra.\nZákazník: Děkuji!",
    "Zákazník: Můžu si změnit termín doručení?\nOperátor: Ano, nový termín vám nastavím. Který \
den vám vyhovuje?\nZákazník: Čtvrtek odpoledne.\nOperátor: Hotovo, čtvrtek 13–17 h.",
    "Zákazník: Aplikace mi padá při otevření košíku.\nOperátor: Je to pro nás nové. Jakou \
verzi aplikace máte?\nZákazník: 4.2.1 na Androidu.\nOperátor: Děkuji, předávám vývojářům.",
    "Zákazník: Máte otevřeno i v sobotu?\nOperátor: Ano, v sobotu od 9 do 12 hodin.",
];

pub(super) const COMMENTS: &[&str] = &[
    "Interní poznámka: zákazník volal opakovaně, prosím o prioritu.",
    "Předáno kolegovi z fakturace k ověření.",
    "Čekáme na vyjádření dopravce.",
];
