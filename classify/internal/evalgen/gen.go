// Package evalgen makes realistic, labelled business tables for measuring
// sluice's classifiers: customers, orders, payments, device logs, vehicles,
// patients, companies, travellers, employees (JSONL with nested objects),
// support tickets and tables of near-miss decoys. Every table is written
// twice: once with informative headers, once with uninformative ones
// ("c1", "c2", …), so that classification from values alone is measured.
// Values are dirty (blanks, NULL, padding, malformed entries) and decoys
// sit next to the real thing: 18-digit order numbers with a wrong check
// character, 19-digit numbers failing Luhn, 11-digit numbers with
// unallocated prefixes, 13-digit millisecond timestamps, SKUs, version
// strings, out-of-range coordinates, plates with invalid province
// characters.
//
// Columns whose meaning only a header can tell (a device UUID is just a
// UUID, a column of "无" is a religion field only because it says so) are
// left out of the headerless variants: their label would not be knowable.
//
// The generator is deterministic: the same seed gives the same files.
package evalgen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/sluice-gateway/sluice/classify"
)

// Category keys used in labels.
const (
	ID       = "user.government_id.national_identification_number"
	Phone    = "user.contact.phone_number"
	Bank     = "user.financial.bank_account"
	Credit   = "user.financial.credit_card"
	Email    = "user.contact.email"
	IP       = "user.device.ip_address"
	Device   = "user.device.device_id"
	Precise  = "user.location.precise"
	Vague    = "user.location.imprecise"
	Plate    = "user.government_id.vehicle_registration"
	VIN      = "user.device.vehicle_identification_number"
	Passport = "user.government_id.passport_number"
	Permit   = "user.government_id.immigration"
	USCC     = "organization.identifier.unified_social_credit_code"
	Name     = "user.name"
	Address  = "user.contact.address"
	DOB      = "user.demographic.date_of_birth"
	Gender   = "user.demographic.gender"
	Ethnic   = "user.demographic.race_ethnicity"
	Religion = "user.demographic.religious_belief"
	Health   = "user.health_and_medical"
)

// Labels maps file name → field name → category keys.
type Labels map[string]map[string][]string

// G generates values.
type G struct {
	r    *rand.Rand
	pref []string

	// The birth date of the record being written, so that a record's
	// date of birth and resident ID agree, as they do in real tables.
	by, bm, bd int
}

// newRecord starts a record: its person gets a new birth date.
func (g *G) newRecord() { g.by = 0 }

// New returns a generator with a fixed seed.
func New(seed uint64) *G {
	return &G{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), pref: classify.PrefectureCodes()}
}

func (g *G) n(k int) int            { return g.r.IntN(k) }
func (g *G) pick(s []string) string { return s[g.r.IntN(len(s))] }
func (g *G) chance(p float64) bool  { return g.r.Float64() < p }
func (g *G) digits(k int) string {
	b := make([]byte, k)
	for i := range b {
		b[i] = byte('0' + g.n(10))
	}
	return string(b)
}

var givenChars = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕波宁俊晨浩宇欣怡思雨子涵梓轩嘉琪雅婷文博天佑诗涵")
var surnameList = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛")

// Name returns a Chinese person name.
func (g *G) Name() string {
	var b strings.Builder
	if g.chance(0.02) {
		b.WriteString(g.pick([]string{"欧阳", "司马", "上官", "诸葛"}))
	} else {
		b.WriteRune(surnameList[g.n(len(surnameList))])
	}
	for i := 0; i < 1+g.n(2); i++ {
		b.WriteRune(givenChars[g.n(len(givenChars))])
	}
	return b.String()
}

// birth returns the record's birth date, between 1950 and 2005.
func (g *G) birth() (y, m, d int) {
	if g.by == 0 {
		g.by, g.bm, g.bd = 1950+g.n(56), 1+g.n(12), 1+g.n(28)
	}
	return g.by, g.bm, g.bd
}

// ResidentID returns a valid 18-character resident identity number.
func (g *G) ResidentID() string {
	y, m, d := g.birth()
	body := fmt.Sprintf("%s%02d%04d%02d%02d%03d", g.pick(g.pref), 1+g.n(30), y, m, d, g.n(1000))
	c := classify.ResidentIDCheck(body)
	s := body + string(c)
	if c == 'X' && g.chance(0.3) {
		s = body + "x"
	}
	return s
}

// BadResidentID returns an 18-digit number shaped like an identity number
// with a wrong check character: an order number.
func (g *G) BadResidentID() string {
	for {
		body := g.digits(18)
		body = string(byte('1'+g.n(9))) + body[1:]
		if classify.ResidentIDCheck(body[:17]) != body[17] {
			return body
		}
	}
}

var mobile = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158", "159", "166", "173", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "199"}

// Mobile returns an 11-digit mobile number.
func (g *G) Mobile() string { return g.pick(mobile) + g.digits(8) }

// Phone returns a phone number in one of the ways people write them.
func (g *G) Phone() string {
	m := g.Mobile()
	switch g.n(10) {
	case 0:
		return "+86 " + m[:3] + " " + m[3:7] + " " + m[7:]
	case 1:
		return m[:3] + "-" + m[3:7] + "-" + m[7:]
	case 2:
		return "0086" + m
	case 3:
		return g.Landline()
	}
	return m
}

// Landline returns a fixed-line number with its area code.
func (g *G) Landline() string {
	area := g.pick([]string{"010", "021", "020", "022", "023", "025", "027", "028", "0755", "0571", "0512", "0731", "0532"})
	num := string(byte('2'+g.n(7))) + g.digits(6+b2i(len(area) == 3 || g.chance(0.5)))
	switch g.n(3) {
	case 0:
		return "(" + area + ")" + num
	case 1:
		return area + " " + num
	}
	return area + "-" + num
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BadMobile returns an 11-digit number with an unallocated prefix.
func (g *G) BadMobile() string {
	return g.pick([]string{"100", "104", "112", "120", "127", "140", "141", "143", "154", "160", "164", "169", "179", "194"}) + g.digits(8)
}

func luhnDigit(body string) byte {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		n := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return byte('0' + (10-sum%10)%10)
}

func (g *G) luhn(prefix string, length int) string {
	body := prefix + g.digits(length-1-len(prefix))
	return body + string(luhnDigit(body))
}

// BankCard returns a UnionPay debit card number.
func (g *G) BankCard() string {
	p := g.pick([]string{"621700", "622202", "623668", "621483", "622848", "621226", "6013820", "955880"})
	n := 19
	if p == "622202" || p == "621483" {
		n = 16 + 3*g.n(2)
	}
	s := g.luhn(p, n)
	if g.chance(0.15) {
		return s[:4] + " " + s[4:8] + " " + s[8:12] + " " + s[12:16] + " " + s[16:]
	}
	return s
}

// CreditCard returns a credit card number.
func (g *G) CreditCard() string {
	s := g.luhn(g.pick([]string{"4", "4", "51", "53", "55", "625802", "628288", "3528"}), 16)
	if g.chance(0.2) {
		return s[:4] + " " + s[4:8] + " " + s[8:12] + " " + s[12:]
	}
	return s
}

// BadLuhn returns a 19-digit number failing Luhn (a transaction number).
func (g *G) BadLuhn() string {
	s := g.luhn("62"+g.digits(1), 19)
	last := s[18]
	return s[:18] + string('0'+(last-'0'+1+byte(g.n(8)))%10)
}

var domains = []string{"qq.com", "163.com", "126.com", "gmail.com", "sina.com", "outlook.com", "example.com.cn", "corp.example.cn", "foxmail.com"}
var pinyin = []string{"zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu", "guo", "lin", "wei", "fang", "na", "min", "jing", "lei", "jun", "yang", "yong", "jie", "tao", "ming", "chao"}

// Email returns an e-mail address.
func (g *G) Email() string {
	local := g.pick(pinyin)
	switch g.n(4) {
	case 0:
		local += "." + g.pick(pinyin)
	case 1:
		local += strconv.Itoa(g.n(10000))
	case 2:
		local = g.digits(9)
	}
	return local + "@" + g.pick(domains)
}

var roads = []string{"人民路", "解放路", "中山路", "建设路", "科技园路", "学府路", "长江路", "和平街", "新华街", "东风大道", "滨海大道", "文化巷", "幸福里"}

// Address returns a street address.
func (g *G) Address() string {
	prov := g.pick([]string{"广东省", "浙江省", "江苏省", "四川省", "湖北省", "山东省", "河南省", ""})
	city := g.pick([]string{"深圳市", "杭州市", "南京市", "成都市", "武汉市", "青岛市", "郑州市", "北京市", "上海市"})
	dist := g.pick([]string{"南山区", "西湖区", "鼓楼区", "武侯区", "江汉区", "市南区", "金水区", "海淀区", "浦东新区"})
	s := prov + city + dist + g.pick(roads) + strconv.Itoa(1+g.n(300)) + "号"
	if g.chance(0.6) {
		s += strconv.Itoa(1+g.n(30)) + "栋" + strconv.Itoa(100+g.n(2800)) + "室"
	}
	return s
}

// DOB returns a birth date in one of the usual spellings.
func (g *G) DOB() string {
	y, m, d := g.birth()
	switch g.n(4) {
	case 0:
		return fmt.Sprintf("%d/%d/%d", y, m, d)
	case 1:
		return fmt.Sprintf("%04d%02d%02d", y, m, d)
	case 2:
		return fmt.Sprintf("%d年%d月%d日", y, m, d)
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// RecentDate returns a date in 2023–2025 (an order or visit date).
func (g *G) RecentDate() string {
	return fmt.Sprintf("%04d-%02d-%02d", 2023+g.n(3), 1+g.n(12), 1+g.n(28))
}

// DateTime returns a recent timestamp.
func (g *G) DateTime() string {
	return fmt.Sprintf("%s %02d:%02d:%02d", g.RecentDate(), g.n(24), g.n(60), g.n(60))
}

// MillisTS returns a 13-digit millisecond timestamp.
func (g *G) MillisTS() string { return strconv.FormatInt(1672531200000+g.r.Int64N(94608000000), 10) }

var ethnic = []string{"汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "壮族", "回族", "满族", "维吾尔族", "苗族", "彝族", "土家族", "藏族", "蒙古族", "朝鲜族"}

// Ethnicity returns an ethnic group.
func (g *G) Ethnicity() string { return g.pick(ethnic) }

// Religion returns an answer to "religion".
func (g *G) Religion() string {
	if g.chance(0.6) {
		return "无"
	}
	return g.pick([]string{"佛教", "基督教", "伊斯兰教", "道教", "天主教"})
}

var diagnoses = []string{"2型糖尿病", "高血压3级", "急性支气管炎", "腰椎间盘突出", "冠心病", "慢性胃炎", "过敏性鼻炎", "肺炎", "乙肝病毒携带", "抑郁症", "骨折术后", "甲亢", "贫血", "白内障", "痛风", "哮喘"}

// Diagnosis returns a diagnosis.
func (g *G) Diagnosis() string { return g.pick(diagnoses) }

// IMEI returns a valid IMEI.
func (g *G) IMEI() string { return g.luhn(g.pick([]string{"35", "86", "35", "01"}), 15) }

// MAC returns a MAC address.
func (g *G) MAC() string {
	sep := g.pick([]string{":", ":", "-"})
	parts := make([]string, 6)
	for i := range parts {
		parts[i] = fmt.Sprintf("%02X", g.n(256))
	}
	s := strings.Join(parts, sep)
	if g.chance(0.4) {
		s = strings.ToLower(s)
	}
	return s
}

// UUID returns a random UUID (version 4), upper case like an IDFA when
// upper is set.
func (g *G) UUID(upper bool) string {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(g.n(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	if upper {
		return strings.ToUpper(s)
	}
	return s
}

// AndroidID returns 16 lower-case hex digits.
func (g *G) AndroidID() string {
	for {
		s := fmt.Sprintf("%016x", g.r.Uint64())
		if strings.ContainsAny(s, "abcdef") && strings.ContainsAny(s, "0123456789") {
			return s
		}
	}
}

// IPv4 returns an address.
func (g *G) IPv4() string {
	switch g.n(3) {
	case 0:
		return fmt.Sprintf("192.168.%d.%d", g.n(256), 1+g.n(254))
	case 1:
		return fmt.Sprintf("10.%d.%d.%d", g.n(256), g.n(256), 1+g.n(254))
	}
	return fmt.Sprintf("%d.%d.%d.%d", 36+g.n(180), g.n(256), g.n(256), 1+g.n(254))
}

// IPv6 returns an address.
func (g *G) IPv6() string {
	return fmt.Sprintf("240e:%x:%x:%x::%x", g.n(0xffff), g.n(0xffff), g.n(0xffff), 1+g.n(0xfff))
}

// Coord returns a precise coordinate inside China.
func (g *G) Coord() (lat, lng string) {
	return fmt.Sprintf("%.6f", 18+g.r.Float64()*35), fmt.Sprintf("%.6f", 75+g.r.Float64()*58)
}

// BadCoord returns an out-of-range pair.
func (g *G) BadCoord() (lat, lng string) {
	return fmt.Sprintf("%.6f", 91+g.r.Float64()*80), fmt.Sprintf("%.6f", 181+g.r.Float64()*170)
}

const plateProv = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
const plateLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ"

// Plate returns a licence plate.
func (g *G) Plate() string {
	prov := []rune(plateProv)
	p := string(prov[g.n(len(prov))]) + string(plateLetters[g.n(len(plateLetters))])
	if g.chance(0.25) {
		return p + string("DF"[g.n(2)]) + string(plateLetters[g.n(len(plateLetters))]) + g.digits(4)
	}
	body := []byte(g.digits(5))
	for i := 0; i < g.n(3); i++ {
		body[g.n(5)] = plateLetters[g.n(len(plateLetters))]
	}
	if digitsIn(string(body)) < 3 {
		body[0], body[1] = '1', '2'
	}
	return p + string(body)
}

func digitsIn(s string) int {
	n := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

// BadPlate returns a plate-shaped value with a character that opens no
// plate.
func (g *G) BadPlate() string {
	return g.pick([]string{"中", "国", "华", "东", "美", "港"}) + string(plateLetters[g.n(len(plateLetters))]) + g.digits(5)
}

const vinChars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

// VIN returns a vehicle identification number with its check digit.
func (g *G) VIN() string {
	b := []byte(g.pick([]string{"LSV", "LFV", "LGW", "LVS", "LHG", "1HG", "WVW", "JTD"}))
	for len(b) < 17 {
		b = append(b, vinChars[g.n(len(vinChars))])
	}
	b[9] = "ABCDEFGHJKLMNPRSTVWXY123456789"[g.n(30)]
	for i := 13; i < 17; i++ {
		b[i] = byte('0' + g.n(10))
	}
	b[8] = classify.VINCheck(string(b))
	return string(b)
}

// Passport returns a mainland passport number.
func (g *G) Passport() string {
	if g.chance(0.5) {
		return "E" + g.digits(8)
	}
	return "E" + string(plateLetters[g.n(len(plateLetters))]) + g.digits(7)
}

// Permit returns a travel permit number.
func (g *G) Permit() string {
	return g.pick([]string{"C", "C", "H", "L", "M"}) + g.digits(8)
}

const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// USCC returns a unified social credit code.
func (g *G) USCC() string {
	b := []byte(g.pick([]string{"91", "91", "92", "12", "52"}) + g.pick(g.pref) + fmt.Sprintf("%02d", 1+g.n(30)))
	for len(b) < 17 {
		b = append(b, usccChars[g.n(len(usccChars))])
	}
	return string(b) + string(classify.USCCCheck(string(b)))
}

// BadUSCC returns a code with a wrong check character.
func (g *G) BadUSCC() string {
	s := g.USCC()
	c := s[17]
	for c == s[17] {
		c = usccChars[g.n(len(usccChars))]
	}
	return s[:17] + string(c)
}

// SKU returns a stock-keeping unit code.
func (g *G) SKU() string {
	return fmt.Sprintf("%s-%04d-%s", g.pick([]string{"SKU", "A1", "HD", "PX", "TS"}), g.n(10000), g.pick([]string{"BLK", "WHT", "RED", "XL", "M", "S"}))
}

// Version returns a version string.
func (g *G) Version() string {
	if g.chance(0.5) {
		return fmt.Sprintf("%d.%d.%d", g.n(10), g.n(30), g.n(100))
	}
	return fmt.Sprintf("v%d.%d.%d.%d", g.n(5), g.n(20), g.n(300)+256, g.n(1000))
}

// Firmware returns a four-part firmware version such as 10.2.1.7, which
// is also a valid dotted-quad IPv4 address.
func (g *G) Firmware() string {
	return fmt.Sprintf("%d.%d.%d.%d", 1+g.n(12), g.n(20), g.n(10), g.n(100))
}

// RegNo15 returns a 15-digit business registration number of the kind
// issued before the unified social credit code: a region code, eight
// digits and a GB/T 17710 (ISO 7064 MOD 11,10) check digit. A few read as
// first-generation resident IDs or pass Luhn by chance.
func (g *G) RegNo15() string {
	body := g.pick(g.pref) + fmt.Sprintf("%02d", 1+g.n(30)) + g.digits(8)
	p := 10
	for i := 0; i < len(body); i++ {
		s := (p + int(body[i]-'0')) % 10
		if s == 0 {
			s = 10
		}
		p = s * 2 % 11
	}
	return body + strconv.Itoa((11-p)%10)
}

// EUI64 returns an EUI-64 identifier written as eight colon-separated
// pairs of hex digits, which parses as an IPv6 address but is not one.
func (g *G) EUI64() string {
	b := make([]string, 8)
	for i := range b {
		b[i] = fmt.Sprintf("%02x", g.n(256))
	}
	return strings.Join(b, ":")
}

// StaffNumber returns an 11-digit staff number starting 10, 11 or 12,
// shaped like a mobile number but outside every mobile segment.
func (g *G) StaffNumber() string { return "1" + strconv.Itoa(g.n(3)) + g.digits(9) }

// Amount returns a money amount.
func (g *G) Amount() string { return fmt.Sprintf("%.2f", g.r.Float64()*5000) }

var products = []string{"蓝牙耳机", "黄金手镯", "高级会员", "白色T恤", "金融服务", "马克杯", "王老吉凉茶", "李宁运动鞋", "张小泉剪刀", "陈醋", "刘记烧饼", "杨梅干", "周边文具", "高山茶叶", "林下人参", "明前龙井"}
var cities = []string{"北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "苏州", "黄山", "金华", "高邮"}

// Product returns a product name.
func (g *G) Product() string { return g.pick(products) }

// City returns a city name.
func (g *G) City() string { return g.pick(cities) }

// dirty returns v, or a blank, NULL or padded spelling of it.
func (g *G) dirty(v string) string {
	switch x := g.r.Float64(); {
	case x < 0.03:
		return ""
	case x < 0.04:
		return "NULL"
	case x < 0.06:
		return " " + v + " "
	}
	return v
}

// malformed returns v cut short now and then (a typing error).
func (g *G) malformed(v string) string {
	if g.chance(0.03) && len(v) > 4 {
		return v[:len(v)-2]
	}
	return v
}

// A column of a generated table.
type column struct {
	header string   // informative header
	labels []string // categories the column holds
	gen    func() string
	hinted bool // only knowable from the header: left out without headers
}

// A table is a set of columns and a row count.
type table struct {
	name string
	rows int
	cols []column
}

// Ticket returns support-ticket text that sometimes carries a phone, an
// e-mail or an identity number among decoy numbers.
func (g *G) Ticket() string {
	var b strings.Builder
	b.WriteString(g.pick([]string{"客户来电咨询退款进度", "用户反馈物流延迟", "投诉商品质量问题", "申请开具发票", "咨询会员积分规则"}))
	b.WriteString("，订单号")
	b.WriteString(g.BadResidentID())
	switch g.n(4) {
	case 0:
		b.WriteString("，回拨电话")
		b.WriteString(g.Mobile())
	case 1:
		b.WriteString("，邮箱")
		b.WriteString(g.Email())
		b.WriteString("。")
	case 2:
		b.WriteString("，核验身份证")
		b.WriteString(g.ResidentID())
	}
	b.WriteString("，时间戳")
	b.WriteString(g.MillisTS())
	return b.String()
}

// Note returns a clinician's note that names a condition.
func (g *G) Note() string {
	return g.pick([]string{"患者自述", "复诊：", "既往", "主诉"}) + g.Diagnosis() + g.pick([]string{"，建议随访", "，遵医嘱服药", "两年", "，血压控制一般"})
}

func (g *G) tables() []table {
	lat, lng := "", ""
	coord := func(which int) func() string {
		return func() string {
			if which == 0 {
				lat, lng = g.Coord()
				return lat
			}
			return lng
		}
	}
	vlat, vlng := "", ""
	vague := func(which int) func() string {
		return func() string {
			if which == 0 {
				vlat, vlng = fmt.Sprintf("%.2f", 22+g.r.Float64()*18), fmt.Sprintf("%.2f", 100+g.r.Float64()*20)
				return vlat
			}
			return vlng
		}
	}
	blat, blng := "", ""
	bad := func(which int) func() string {
		return func() string {
			if which == 0 {
				blat, blng = g.BadCoord()
				return blat
			}
			return blng
		}
	}
	seq := 0
	id := func() string { seq++; return strconv.Itoa(100000 + seq) }
	d := g.dirty
	return []table{
		{"customers", 400, []column{
			{"客户编号", nil, id, false},
			{"姓名", []string{Name}, func() string { return d(g.Name()) }, false},
			{"性别", []string{Gender}, func() string { return d(g.pick([]string{"男", "女"})) }, false},
			{"出生日期", []string{DOB}, func() string { return d(g.DOB()) }, false},
			{"身份证号", []string{ID}, func() string { return d(g.malformed(g.ResidentID())) }, false},
			{"手机号", []string{Phone}, func() string { return d(g.malformed(g.Phone())) }, false},
			{"邮箱", []string{Email}, func() string { return d(g.Email()) }, false},
			{"住址", []string{Address}, func() string { return d(g.Address()) }, false},
			{"民族", []string{Ethnic}, func() string { return d(g.Ethnicity()) }, false},
			{"会员等级", nil, func() string { return g.pick([]string{"金卡", "银卡", "普通", "钻石"}) }, false},
			{"注册时间", nil, func() string { return g.DateTime() }, false},
			{"常住城市", nil, func() string { return g.City() }, false},
		}},
		{"orders", 400, []column{
			{"order_no", nil, func() string { return g.BadResidentID() }, false},
			{"sku", nil, func() string { return g.SKU() }, false},
			{"product", nil, func() string { return g.Product() }, false},
			{"amount", nil, func() string { return g.Amount() }, false},
			{"created_ms", nil, func() string { return g.MillisTS() }, false},
			{"receiver_name", []string{Name}, func() string { return d(g.Name()) }, false},
			{"receiver_phone", []string{Phone}, func() string { return d(g.Phone()) }, false},
			{"shipping_address", []string{Address}, func() string { return d(g.Address()) }, false},
			{"client_ip", []string{IP}, func() string { return d(g.IPv4()) }, false},
			{"order_date", nil, func() string { return g.RecentDate() }, false},
			{"order_uuid", nil, func() string { return g.UUID(false) }, false},
		}},
		{"payments", 300, []column{
			{"txn_id", nil, func() string { return g.BadLuhn() }, false},
			{"bank_card_no", []string{Bank}, func() string { return d(g.malformed(g.BankCard())) }, false},
			{"credit_card", []string{Credit}, func() string { return d(g.CreditCard()) }, false},
			{"holder", []string{Name}, func() string { return d(g.Name()) }, false},
			{"reserved_mobile", []string{Phone}, func() string { return d(g.Mobile()) }, false},
			{"amount", nil, func() string { return g.Amount() }, false},
			{"paid_at", nil, func() string { return g.DateTime() }, false},
			{"merchant_id", nil, func() string { return g.digits(15) }, false},
		}},
		{"device_log", 400, []column{
			{"event_id", nil, func() string { return g.UUID(false) }, false},
			{"imei", []string{Device}, func() string { return d(g.IMEI()) }, false},
			{"mac", []string{Device}, func() string { return d(g.MAC()) }, false},
			{"idfa", []string{Device}, func() string { return d(g.UUID(true)) }, true},
			{"android_id", []string{Device}, func() string { return d(g.AndroidID()) }, true},
			{"ip", []string{IP}, func() string {
				if g.chance(0.4) {
					return g.IPv6()
				}
				return g.IPv4()
			}, false},
			{"app_version", nil, func() string { return g.Version() }, false},
			{"c_fw", nil, func() string { return g.Firmware() }, false},
			{"latitude", []string{Precise}, coord(0), false},
			{"longitude", []string{Precise}, coord(1), false},
			{"ts", nil, func() string { return g.MillisTS() }, false},
			{"battery", nil, func() string { return strconv.Itoa(g.n(101)) }, false},
		}},
		{"vehicles", 300, []column{
			{"车牌号", []string{Plate}, func() string { return d(g.Plate()) }, false},
			{"车架号VIN", []string{VIN}, func() string { return d(g.VIN()) }, false},
			{"车主姓名", []string{Name}, func() string { return d(g.Name()) }, false},
			{"车主电话", []string{Phone}, func() string { return d(g.Mobile()) }, false},
			{"lat", []string{Precise}, coord(0), false},
			{"lng", []string{Precise}, coord(1), false},
			{"车速", nil, func() string { return fmt.Sprintf("%.1f", g.r.Float64()*120) }, false},
			{"里程", nil, func() string { return strconv.Itoa(g.n(300000)) }, false},
			{"充电桩编号", nil, func() string { return "CP" + g.digits(10) }, false},
			{"测试牌照", nil, func() string { return g.BadPlate() }, false},
		}},
		{"patients", 300, []column{
			{"病历号", nil, func() string { return "MR" + g.digits(10) }, false},
			{"患者姓名", []string{Name}, func() string { return d(g.Name()) }, false},
			{"性别", []string{Gender}, func() string { return d(g.pick([]string{"男", "女", "M", "F"})) }, false},
			{"出生日期", []string{DOB}, func() string { return d(g.DOB()) }, false},
			{"身份证", []string{ID}, func() string { return d(g.ResidentID()) }, false},
			{"诊断", []string{Health}, func() string { return d(g.Diagnosis()) }, false},
			{"医生备注", []string{Health}, func() string { return d(g.Note()) }, false},
			{"宗教信仰", []string{Religion}, func() string { return d(g.Religion()) }, false},
			{"民族", []string{Ethnic}, func() string { return d(g.Ethnicity()) }, false},
			{"就诊日期", nil, func() string { return g.RecentDate() }, false},
			{"科室", nil, func() string { return g.pick([]string{"内科", "外科", "儿科", "眼科", "骨科"}) }, false},
		}},
		{"companies", 250, []column{
			{"企业名称", nil, func() string {
				return g.City() + g.pick([]string{"华信", "恒通", "明达", "金石"}) + "科技有限公司"
			}, false},
			{"统一社会信用代码", []string{USCC}, func() string { return d(g.USCC()) }, false},
			{"法定代表人", []string{Name}, func() string { return d(g.Name()) }, false},
			{"联系电话", []string{Phone}, func() string { return d(g.Landline()) }, false},
			{"注册地址", []string{Address}, func() string { return d(g.Address()) }, false},
			{"注册资本", nil, func() string { return strconv.Itoa(10+g.n(5000)) + "万元" }, false},
			{"内部编码", nil, func() string { return g.BadUSCC() }, false},
			{"成立日期", nil, func() string { return fmt.Sprintf("%04d-%02d-%02d", 2010+g.n(14), 1+g.n(12), 1+g.n(28)) }, false},
		}},
		{"travellers", 250, []column{
			{"旅客姓名", []string{Name}, func() string { return d(g.Name()) }, false},
			{"护照号", []string{Passport}, func() string { return d(g.Passport()) }, false},
			{"通行证号", []string{Permit}, func() string { return d(g.Permit()) }, false},
			{"航班号", nil, func() string { return g.pick([]string{"CA", "MU", "CZ", "HU"}) + g.digits(4) }, false},
			{"订座记录", nil, func() string {
				return string(plateLetters[g.n(24)]) + g.digits(2) + string(plateLetters[g.n(24)]) + g.digits(2)
			}, false},
			{"座位", nil, func() string { return strconv.Itoa(1+g.n(40)) + string("ABCDEF"[g.n(6)]) }, false},
			{"联系方式", []string{Phone}, func() string { return d(g.Phone()) }, false},
		}},
		{"tickets", 400, []column{
			{"工单号", nil, func() string { return "T" + g.digits(12) }, false},
			{"内容", []string{Phone, Email, ID}, func() string { return g.Ticket() }, false},
			{"处理人", nil, func() string { return g.pick([]string{"客服一组", "客服二组", "售后组"}) }, false},
			{"创建时间", nil, func() string { return g.DateTime() }, false},
		}},
		{"decoys", 400, []column{
			{"手机号", nil, func() string { return g.BadMobile() }, false},
			{"身份证号", nil, func() string { return g.BadResidentID() }, false},
			{"卡号", nil, func() string { return g.BadLuhn() }, false},
			{"ts_ms", nil, func() string { return g.MillisTS() }, false},
			{"sku", nil, func() string { return g.SKU() }, false},
			{"version", nil, func() string { return g.Version() }, false},
			{"纬度", nil, bad(0), false},
			{"经度", nil, bad(1), false},
			{"车牌", nil, func() string { return g.BadPlate() }, false},
			{"商品", nil, func() string { return g.Product() }, false},
			{"城市", nil, func() string { return g.City() }, false},
			{"md5", nil, func() string { return fmt.Sprintf("%016x%016x", g.r.Uint64(), g.r.Uint64()) }, false},
			{"zip", nil, func() string { return g.digits(6) }, false},
			{"price", nil, func() string { return fmt.Sprintf("%.4f", g.r.Float64()*100) }, false},
			{"qty", nil, func() string { return strconv.Itoa(g.n(50)) }, false},
			{"信用代码", nil, func() string { return g.BadUSCC() }, false},
			{"fw", nil, func() string { return g.Firmware() }, false},
			{"注册号", nil, func() string { return g.RegNo15() }, false},
			{"工号", nil, func() string { return g.StaffNumber() }, false},
			{"eui", nil, func() string { return g.EUI64() }, false},
			{"clock", nil, func() string { return fmt.Sprintf("%02d:%02d:%02d", g.n(24), g.n(60), g.n(60)) }, false},
			{"成立日期", nil, func() string { return g.RecentDate() }, false},
			{"trip_uuid", nil, func() string { return g.UUID(false) }, false},
		}},
		{"stores", 200, []column{
			{"store", nil, func() string { return g.City() + "店" }, false},
			{"lat", []string{Vague}, vague(0), true},
			{"lng", []string{Vague}, vague(1), true},
			{"manager", []string{Name}, func() string { return d(g.Name()) }, false},
			{"tel", []string{Phone}, func() string { return d(g.Landline()) }, false},
		}},
	}
}

// jsonlEmployees is the nested JSONL table.
func (g *G) employees(w io.Writer, rows int, headers bool) map[string][]string {
	key := func(informative, plain string) string {
		if headers {
			return informative
		}
		return plain
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := 0; i < rows; i++ {
		g.newRecord()
		rec := map[string]any{
			key("employee_id", "a"): 1000 + i,
			key("id_no", "m"):       g.ResidentID(),
			key("staff_no", "n"):    g.StaffNumber(),
			key("name", "b"):        g.dirty(g.Name()),
			key("contact", "c"): map[string]any{
				key("phone", "x"): g.dirty(g.Phone()),
				key("email", "y"): g.dirty(g.Email()),
			},
			key("profile", "d"): map[string]any{
				key("birthday", "x"): g.DOB(),
				key("gender", "y"):   g.pick([]string{"男", "女"}),
			},
			key("salary_card", "e"): g.BankCard(),
			key("emergency", "f"): map[string]any{
				key("name", "x"):  g.Name(),
				key("phone", "y"): g.Mobile(),
			},
			key("dept", "g"):   g.pick([]string{"研发部", "市场部", "财务部"}),
			key("badge", "h"):  "EMP" + g.digits(6),
			key("joined", "k"): g.RecentDate(),
		}
		if err := enc.Encode(rec); err != nil {
			panic(err)
		}
	}
	l := func(a, b string) string { return key(a, b) }
	return map[string][]string{
		l("employee_id", "a"):                        nil,
		l("id_no", "m"):                              {ID},
		l("staff_no", "n"):                           nil,
		l("name", "b"):                               {Name},
		l("contact", "c") + "." + l("phone", "x"):    {Phone},
		l("contact", "c") + "." + l("email", "y"):    {Email},
		l("profile", "d") + "." + l("birthday", "x"): {DOB},
		l("profile", "d") + "." + l("gender", "y"):   {Gender},
		l("salary_card", "e"):                        {Bank},
		l("emergency", "f") + "." + l("name", "x"):   {Name},
		l("emergency", "f") + "." + l("phone", "y"):  {Phone},
		l("dept", "g"):                               nil,
		l("badge", "h"):                              nil,
		l("joined", "k"):                             nil,
	}
}

// WriteEval writes the evaluation set into dir and returns its labels.
func WriteEval(dir string, seed uint64) (Labels, error) {
	g := New(seed)
	labels := Labels{}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, t := range g.tables() {
		for _, headers := range []bool{true, false} {
			name := t.name + ".csv"
			if !headers {
				name = t.name + "_noheader.csv"
			}
			var cols []column
			for _, c := range t.cols {
				if headers || !c.hinted {
					cols = append(cols, c)
				}
			}
			f, err := os.Create(filepath.Join(dir, name))
			if err != nil {
				return nil, err
			}
			w := bufio.NewWriter(f)
			lab := map[string][]string{}
			hdr := make([]string, len(cols))
			for i, c := range cols {
				hdr[i] = c.header
				if !headers {
					hdr[i] = "c" + strconv.Itoa(i+1)
				}
				lab[hdr[i]] = c.labels
			}
			labels[name] = lab
			writeCSVRow(w, hdr)
			row := make([]string, len(cols))
			for r := 0; r < t.rows; r++ {
				g.newRecord()
				for i, c := range cols {
					row[i] = c.gen()
				}
				writeCSVRow(w, row)
			}
			if err := w.Flush(); err != nil {
				return nil, err
			}
			if err := f.Close(); err != nil {
				return nil, err
			}
		}
	}
	for _, headers := range []bool{true, false} {
		name := "employees.jsonl"
		if !headers {
			name = "employees_noheader.jsonl"
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		w := bufio.NewWriter(f)
		labels[name] = g.employees(w, 300, headers)
		if err := w.Flush(); err != nil {
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
	}
	data, err := json.MarshalIndent(sortedLabels(labels), "", "  ")
	if err != nil {
		return nil, err
	}
	return labels, os.WriteFile(filepath.Join(dir, "labels.json"), append(data, '\n'), 0o644)
}

func sortedLabels(l Labels) Labels {
	for _, fields := range l {
		for k, v := range fields {
			if v == nil {
				fields[k] = []string{}
			} else {
				sort.Strings(v)
			}
		}
	}
	return l
}

// writeCSVRow writes one CSV row, quoting values that need it.
func writeCSVRow(w *bufio.Writer, row []string) {
	for i, v := range row {
		if i > 0 {
			w.WriteByte(',')
		}
		if strings.ContainsAny(v, ",\"\n\r") {
			w.WriteByte('"')
			w.WriteString(strings.ReplaceAll(v, `"`, `""`))
			w.WriteByte('"')
		} else {
			w.WriteString(v)
		}
	}
	w.WriteByte('\n')
}

// BenchHeader is the header of the benchmark table [WriteBench] writes.
var BenchHeader = []string{"id", "name", "gender", "phone", "id_card", "email", "address", "bank_card", "amount", "lat", "lng", "created_at", "client_ip", "order_no", "remark"}

// WriteBench writes a CSV customer-order table of at least size bytes to w,
// for throughput benchmarks: every row holds a name, a phone, an identity
// number, an e-mail, an address, a card, coordinates, an IP address, a decoy
// order number and support-ticket text.
func WriteBench(w io.Writer, size int64, seed uint64) (rows int64, err error) {
	g := New(seed)
	bw := bufio.NewWriterSize(w, 1<<20)
	writeCSVRow(bw, BenchHeader)
	var written int64
	row := make([]string, len(BenchHeader))
	// A pool of pre-generated rows keeps generation fast; the id column
	// makes every row distinct.
	const pool = 20000
	rowsPool := make([][]string, pool)
	for i := range rowsPool {
		lat, lng := g.Coord()
		remark := ""
		if g.chance(0.5) {
			remark = g.Ticket()
		}
		rowsPool[i] = []string{"", g.Name(), g.pick([]string{"男", "女"}), g.Phone(), g.ResidentID(), g.Email(), g.Address(), g.BankCard(),
			g.Amount(), lat, lng, g.DateTime(), g.IPv4(), g.BadResidentID(), remark}
	}
	for written < size {
		src := rowsPool[rows%pool]
		copy(row, src)
		row[0] = strconv.FormatInt(rows+1, 10)
		before := bw.Buffered()
		writeCSVRow(bw, row)
		written += int64(bw.Buffered() - before)
		if bw.Buffered() < before { // flushed
			written += int64(bw.Size())
		}
		rows++
	}
	return rows, bw.Flush()
}
