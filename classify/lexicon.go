package classify

import (
	"bufio"
	_ "embed"
	"strings"
	"unicode/utf8"
)

// Word lists used by the lexical detectors. They are data, kept in Go source
// because they change with the language, not with the law.

// surnames holds common Chinese single-character surnames (covering the great
// majority of the population) and compound surnames.
const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"

var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "申屠", "澹台", "公冶", "太史", "钟离"}

// ethnicGroups lists the 56 ethnic groups recognised in China, without the
// 族 suffix.
var ethnicGroups = []string{"汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺"}

// religions lists values a religion field holds, in Chinese and English.
var religions = []string{"佛教", "道教", "伊斯兰教", "天主教", "基督教", "新教", "东正教", "犹太教", "印度教", "锡克教", "巴哈伊教", "藏传佛教", "汉传佛教", "南传佛教", "无宗教信仰", "无宗教", "无神论", "不信教", "信仰佛教", "信仰基督教", "信仰伊斯兰教",
	"buddhism", "buddhist", "taoism", "taoist", "islam", "muslim", "christianity", "christian", "catholic", "catholicism", "protestant", "orthodox", "judaism", "jewish", "hinduism", "hindu", "sikhism", "sikh", "atheist", "agnostic", "no religion"}

// healthTerms lists diagnoses, conditions and clinical words whose presence
// in a value makes it health information.
var healthTerms = []string{
	"高血压", "低血压", "糖尿病", "冠心病", "心脏病", "心肌梗死", "心肌梗塞", "心律失常", "心力衰竭", "脑卒中", "脑梗", "脑出血", "中风", "哮喘", "慢阻肺", "肺炎", "肺结核", "结核病", "支气管炎",
	"乙肝", "丙肝", "肝炎", "肝硬化", "脂肪肝", "艾滋病", "HIV阳性", "梅毒", "淋病", "抑郁症", "焦虑症", "精神分裂", "双相情感障碍", "阿尔茨海默", "帕金森", "癫痫", "自闭症",
	"癌症", "肺癌", "肝癌", "胃癌", "乳腺癌", "结肠癌", "宫颈癌", "白血病", "淋巴瘤", "肿瘤", "恶性", "化疗", "放疗", "透析", "肾衰竭", "尿毒症", "肾炎", "痛风", "类风湿", "红斑狼疮",
	"甲亢", "甲减", "贫血", "骨折", "骨质疏松", "椎间盘突出", "青光眼", "白内障", "过敏", "青霉素过敏", "湿疹", "银屑病", "胃炎", "胃溃疡", "阑尾炎", "胆结石", "肾结石",
	"妊娠", "怀孕", "流产", "不孕", "剖宫产", "病史", "既往史", "诊断", "确诊", "病历", "处方", "住院", "门诊", "手术", "康复治疗", "体检异常", "血糖", "血脂异常", "核酸阳性", "新冠",
	// Symptoms and complaints, as patients state them.
	"咳嗽", "发热", "发烧", "低热", "高热", "头痛", "头晕", "眩晕", "腹痛", "腹泻", "胸闷", "胸痛", "心悸", "呕吐", "恶心", "乏力", "失眠", "呼吸困难", "气促", "皮疹", "瘙痒", "关节痛", "关节疼痛", "腰痛", "咽痛", "咽喉肿痛", "鼻塞", "流涕", "感冒", "流感", "水肿", "便秘", "尿频", "产检", "孕周", "复查", "就诊", "症状",
	"diabetes", "hypertension", "asthma", "cancer", "tumor", "tumour", "leukemia", "hepatitis", "HIV", "AIDS", "depression", "schizophrenia", "epilepsy", "pregnant", "pregnancy", "diagnosis", "diagnosed", "allergy", "allergic", "fracture", "dementia", "stroke", "chemotherapy", "dialysis", "tuberculosis", "pneumonia",
	"fever", "cough", "headache", "migraine", "nausea", "vomiting", "diarrhea", "diarrhoea", "dizziness", "insomnia", "rash", "symptom", "symptoms",
}

// placeholders are values that stand for a missing one: a field's share of
// matches is taken over the values that are there. ("无" and "none" are
// answers, of a religion field for one, and not listed.)
var placeholders = []string{"暂无", "未知", "不详", "未填", "未提供", "待补录", "待补充", "待定", "空", "缺失", "无数据", "不适用", "测试",
	"unknown", "Unknown", "UNKNOWN", "undefined", "test", "TEST", "missing", "tbd", "TBD"}

// genderWords maps the spellings of gender found in business tables.
var genderWords = []string{"男", "女", "男性", "女性", "男士", "女士", "M", "F", "m", "f", "male", "female", "Male", "Female", "MALE", "FEMALE", "man", "woman"}

// plateProvinces holds the one-character abbreviations that open a mainland
// licence plate.
const plateProvinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

// plateSuffixes are the special last characters of some plates (coach,
// police, trailer, Hong Kong, Macau, consulate, trial, over-limit).
const plateSuffixes = "学警挂港澳领试超使"

//go:embed data/gbt2260.txt
var gbt2260Data string

//go:embed data/gbt2260_retired.txt
var gbt2260RetiredData string

//go:embed data/cn_mobile_segments.txt
var mobileSegmentData string

//go:embed data/card_iin.txt
var cardIINData string

//go:embed data/header_vocab.txt
var headerVocabData string

// versionWords are the header words of version and firmware fields;
// businessWords those of a business's own identifiers.
var versionWords, businessWords []string

// versionHeader reports whether a header names a version or firmware.
func versionHeader(h string) bool { return headerHas(h, versionWords) }

// businessHeader reports whether a header names a customer, order or
// transaction number or the like.
func businessHeader(h string) bool { return headerHas(h, businessWords) }

// headerHas reports whether the header holds one of the words: a whole
// word of the header, or for Chinese words a substring.
func headerHas(h string, vocab []string) bool {
	lower := strings.ToLower(h)
	words := headerWords(h)
	for _, w := range vocab {
		if w[0] >= utf8.RuneSelf {
			if strings.Contains(lower, w) {
				return true
			}
			continue
		}
		for _, hw := range words {
			if hw == w {
				return true
			}
		}
	}
	return false
}

// Region tables loaded from data/gbt2260.txt.
var (
	provinceCodes   [100]bool   // two-digit province codes
	prefectureCodes [10000]bool // four-digit prefecture codes
	// retiredPrefectures holds prefecture codes no longer in GB/T 2260,
	// which identity numbers issued under them still carry.
	retiredPrefectures [10000]bool
	regionNames        []string // province and prefecture names, for addresses
	prefectureList     []string // four-digit codes in file order, for generators
)

func init() {
	sc := bufio.NewScanner(strings.NewReader(gbt2260Data))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		code, name, _ := strings.Cut(line, " ")
		n := atoi(code)
		switch len(code) {
		case 2:
			provinceCodes[n] = true
		case 4:
			prefectureCodes[n] = true
			prefectureList = append(prefectureList, code)
		}
		regionNames = append(regionNames, name)
	}
	for _, line := range strings.Split(gbt2260RetiredData, "\n") {
		if line != "" && line[0] != '#' {
			code, _, _ := strings.Cut(line, " ")
			if len(code) != 4 || !allDigits(code) {
				panic("gbt2260_retired.txt: bad code: " + line)
			}
			retiredPrefectures[atoi(code)] = true
		}
	}
	for _, line := range strings.Split(mobileSegmentData, "\n") {
		if line != "" && line[0] != '#' {
			seg, _, _ := strings.Cut(line, " ")
			if len(seg) != 3 || seg[0] != '1' || !allDigits(seg) {
				panic("cn_mobile_segments.txt: bad segment: " + line)
			}
			mobilePrefixes[atoi(seg)] = true
		}
	}
	loadIINs(cardIINData)
	for _, line := range strings.Split(headerVocabData, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		kind, word, ok := strings.Cut(line, " ")
		if !ok || word == "" {
			panic("header_vocab.txt: bad line: " + line)
		}
		switch kind {
		case "version":
			versionWords = append(versionWords, strings.ToLower(word))
		case "business":
			businessWords = append(businessWords, strings.ToLower(word))
		default:
			panic("header_vocab.txt: unknown kind: " + line)
		}
	}
	initLexicon()
}

// PrefectureCodes returns the four-digit GB/T 2260 prefecture codes that
// resident identity numbers are checked against, in file order.
func PrefectureCodes() []string { return append([]string(nil), prefectureList...) }

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// runeSet is a bitmap over the Basic Multilingual Plane.
type runeSet [65536 / 64]uint64

func (s *runeSet) add(r rune) {
	if r < 65536 {
		s[r>>6] |= 1 << (uint(r) & 63)
	}
}

func (s *runeSet) has(r rune) bool {
	return r < 65536 && s[r>>6]&(1<<(uint(r)&63)) != 0
}

// Rune classes used by the address and plate detectors.
var (
	surnameSet    runeSet
	compoundFirst runeSet
	plateProvSet  runeSet
	plateSufSet   runeSet
	adminSuffix   runeSet // 省 市 区 县 州 旗 盟 镇 乡
	roadMarker    runeSet // 路 街 道 巷 弄 村 里 胡同…
	unitMarker    runeSet // 号 栋 幢 楼 室 单元 座
	termFirst     runeSet // first runes of health terms and region names
)

// runeFlags classifies BMP runes for the non-ASCII pass in one lookup.
var runeFlags [65536]uint8

const (
	rfPlate   uint8 = 1 << iota // opens a licence plate
	rfTerm                      // opens a health term or a region name
	rfAdmin                     // 省 市 区 县 …
	rfRoad                      // 路 街 道 …
	rfUnit                      // 号 栋 室 …
	rfLexical                   // opens a whole-value word (gender, ethnicity, religion)
	rfHealth                    // opens a health term
	rfBad                       // no valid three-byte sequence encodes it: below U+0800, or a surrogate
)

// termIndex maps a rune flagged rfTerm to its entry in termLists.
var (
	termIndex [65536]uint16
	termLists [][]term
)

// lexical holds whole-value words, mapped to what they are evidence of.
var lexical map[string]uint8

const (
	lexGender uint8 = 1 << iota
	lexEthnicity
	lexEthnicityBare // a group's name without 族: weaker evidence
	lexReligion
	lexHealth
	lexNone // "none": a religion field's answer when hinted as one
	lexNull // a placeholder for a missing value: 暂无, 未知, unknown
)

// termsByFirst maps a first rune to the health terms and region names that
// start with it. Only runes set in termFirst are looked up.
var termsByFirst map[rune][]term

type term struct {
	s    string
	kind uint8 // termHealth or termRegion
}

const (
	termHealth uint8 = 1 + iota
	termRegion
)

func initLexicon() {
	for _, r := range surnames {
		surnameSet.add(r)
	}
	for _, s := range compoundSurnames {
		r, _ := utf8.DecodeRuneInString(s)
		compoundFirst.add(r)
	}
	for _, r := range plateProvinces {
		plateProvSet.add(r)
	}
	for _, r := range plateSuffixes {
		plateSufSet.add(r)
	}
	for _, r := range "省市区县州旗盟镇乡" {
		adminSuffix.add(r)
	}
	for _, r := range "路街道巷弄村里胡同大道" {
		roadMarker.add(r)
	}
	for _, r := range "号栋幢楼室座单元" {
		unitMarker.add(r)
	}
	lexical = make(map[string]uint8)
	for _, w := range genderWords {
		lexical[w] |= lexGender
	}
	for _, g := range ethnicGroups {
		lexical[g+"族"] |= lexEthnicity
		lexical[g] |= lexEthnicityBare
	}
	for _, w := range religions {
		lexical[w] |= lexReligion
		if w[0] < utf8.RuneSelf {
			lexical[strings.ToUpper(w[:1])+w[1:]] |= lexReligion
		}
	}
	for _, w := range []string{"无", "没有", "none", "None", "NONE"} {
		lexical[w] |= lexNone
	}
	for _, w := range placeholders {
		lexical[w] |= lexNull
	}
	termsByFirst = make(map[rune][]term)
	addTerm := func(s string, kind uint8) {
		r, _ := utf8.DecodeRuneInString(s)
		if r < utf8.RuneSelf {
			return // ASCII terms are matched as words, see asciiHealth
		}
		termFirst.add(r)
		termsByFirst[r] = append(termsByFirst[r], term{s, kind})
	}
	for _, t := range healthTerms {
		addTerm(t, termHealth)
		if r, _ := utf8.DecodeRuneInString(t); r >= 0x800 && r < 65536 {
			addHealthPair(t)
		}
	}
	for _, n := range regionNames {
		addTerm(n, termRegion)
		// Also the short form without the administrative suffix (深圳 for
		// 深圳市), when at least two characters remain.
		if short := trimAdminSuffix(n); short != n && utf8.RuneCountInString(short) >= 2 {
			addTerm(short, termRegion)
		}
	}
	for _, t := range healthTerms {
		if t[0] < utf8.RuneSelf {
			asciiHealth[strings.ToLower(t)] = true
		}
	}
	// The combined tables for the hot path.
	termLists = append(termLists, nil) // index 0: none
	for r, ts := range termsByFirst {
		if r < 65536 {
			runeFlags[r] |= rfTerm
			for _, t := range ts {
				if t.kind == termHealth {
					runeFlags[r] |= rfHealth
				}
			}
			termIndex[r] = uint16(len(termLists))
			termLists = append(termLists, ts)
		}
	}
	for r := rune(0); r < 65536; r++ {
		if plateProvSet.has(r) {
			runeFlags[r] |= rfPlate
		}
		if adminSuffix.has(r) {
			runeFlags[r] |= rfAdmin
		}
		if roadMarker.has(r) {
			runeFlags[r] |= rfRoad
		}
		if unitMarker.has(r) {
			runeFlags[r] |= rfUnit
		}
	}
	for w := range lexical {
		if r, _ := utf8.DecodeRuneInString(w); r >= utf8.RuneSelf && r < 65536 {
			runeFlags[r] |= rfLexical
		}
	}
	for r := rune(0); r < 65536; r++ {
		if r < 0x800 || r >= 0xD800 && r <= 0xDFFF {
			runeFlags[r] |= rfBad
		}
	}
	// The same flags by the bytes of each three-byte sequence.
	for r := rune(0); r < 65536; r++ {
		b0, b1, b2 := 0xE0|r>>12, 0x80|r>>6&0x3F, 0x80|r&0x3F
		seqFlags[(b0&0x0F)<<16|b1<<8|b2] = runeFlags[r]
	}
}

// seqFlags holds runeFlags by the bytes of the three-byte UTF-8 sequence
// (b0 b1 b2) that encodes each rune, at (b0&0x0F)<<16 | b1<<8 | b2: the
// scanner's rune loop, which reads Chinese text rune after rune, then
// looks a rune's flags up without decoding it, which takes a few
// instructions where the decoding takes a dozen. Of its 1 MiB only the
// entries of valid sequences are ever written or read (b1 and b2 from 0x80
// to 0xBF: 16 KiB of each 64 KiB plane), and Han text reads few of
// those lines (one 64-byte line holds the runes that share b0 and b1).
var seqFlags [1 << 20]uint8

// asciiHealth holds the lower-cased English health terms, matched as whole
// words by the text scanner.
var asciiHealth = map[string]bool{}

func trimAdminSuffix(n string) string {
	for _, suf := range []string{"特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "地区", "省", "市", "盟"} {
		if strings.HasSuffix(n, suf) {
			return strings.TrimSuffix(n, suf)
		}
	}
	return n
}
