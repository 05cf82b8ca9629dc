// Package scope checks a dataset against the necessary personal information
// of its app type: the fields that hold personal information the app type's
// basic function does not need, and that no declared purpose names. It is
// pure computation: it reads its embedded data and nothing else.
//
// # Data
//
// data/necessary_pi.json encodes the Provisions on the Scope of Necessary
// Personal Information for Common Types of Mobile Internet Applications
// (常见类型移动互联网应用程序必要个人信息范围规定, 国信办秘字〔2021〕14号, in
// force 2021-05-01). Art. 5 lists 39 app types, each with its basic function
// (基本功能服务) and necessary personal information; 13 types need none. The
// file holds, per type, a stable key (ride_hailing), its Chinese and English
// names, its basic function, its article (Art. 5(2)), a confidence
// (verified, summary or unverified) and the numbered items of necessary
// personal information in the provision's words. Each item points at terms
// ("phone", "id_document", "payment", …) and each term at the data category
// keys it covers, so that a kind of information the provisions name in
// several places under several names ("registered user's mobile phone
// number", "contact phone", "number reserved with the bank") maps to one
// category (user.contact.phone_number). A term that no catalog category
// describes (payment time and amount, age, marital status) has no keys and
// a note saying so: such information is not classified, so never flagged.
//
// [Load] reads the embedded file and validates it against a [Catalog]: a
// category key the catalog does not know as personal information, a term
// defined twice or never defined, an app type listed twice, an article
// that does not match the item number — each is a [*DataError] naming the
// file, line and entry.
//
// # Check
//
// [Provisions.Check] takes a dataset's app type, the categories its
// declared purposes name and its classified fields, and returns an
// [Excess] for each category of a personal field that falls outside both
// the app type's necessary scope and the purposes' categories, with the
// article of the provisions and its confidence. A key covers itself and
// every key below it: user.contact covers user.contact.phone_number.
// Fields that hold no personal information are never excess.
//
// What [Mode] an organisation applies to the excess — warn, strip or
// reject — is the caller's to enforce.
package scope
