package console

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// catalogues are the console's labels by language. A key missing from a
// language falls back to English, and a key missing from English is shown
// as itself (the test of the catalogues fails on either).
var catalogues = map[string]map[string]string{
	"en": {
		"app.name": "sluice console", "nav.overview": "Overview", "nav.datasets": "Datasets", "nav.grants": "Grants",
		"nav.transfers": "Transfers", "nav.log": "Log", "nav.subjects": "Person lookup", "nav.reports": "Reports",
		"nav.catalog": "Catalogue", "nav.logout": "Sign out", "lang.switch": "中文", "lang.name": "English",
		"login.title": "Sign in", "login.key": "API key", "login.submit": "Sign in", "login.help": "Paste an API key made with sluice key create. The key stays on the server; the browser keeps only a session cookie.",
		"login.expired": "Your session has expired. Sign in again.",
		"logout.title":  "Sign out", "logout.submit": "Sign out now",
		"signed.as": "Signed in as", "role.owner": "owner", "role.consumer": "consumer", "role.auditor": "auditor", "role.supervisor": "supervisor",
		"sv.title": "Supervision", "sv.orgs": "Organisations", "sv.near": "Organisations near a transfer threshold (80% or more)",
		"sv.important": "Important or core data leaving", "sv.unclassified": "Datasets never classified or confirmed", "sv.none": "None.", "col.org": "Organisation",
		"catalog.entry": "Sharing catalogue", "catalog.default": "default class, not yet set by the owner", "catalog.sharing": "Sharing",
		"catalog.opening": "Opening", "catalog.conditions": "Conditions", "catalog.save": "Save the classes", "catalog.publicbody": "public body",
		"catalog.answer":              "answer within (working days)",
		"catalog.request":             "Request access",
		"class.sharing.unconditional": "unconditional", "class.sharing.conditional": "conditional", "class.sharing.none": "not shared",
		"class.opening.unconditional": "open", "class.opening.conditional": "open on conditions", "class.opening.closed": "not opened",
		"overview.title": "Overview", "overview.datasets": "Datasets", "overview.bygrade": "Datasets by grade", "overview.byregion": "Datasets by region",
		"overview.sensitive": "Sensitive fields", "overview.records": "Records", "overview.subjects": "Distinct people",
		"overview.counters": "Cross-border transfers this year against their thresholds", "overview.nocounters": "No transfer thresholds apply to this organisation's region.",
		"overview.pending": "Waiting for an answer", "overview.nopending": "Nothing is waiting.",
		"chart.people": "people", "chart.threshold": "threshold", "chart.reached": "reached", "chart.route": "route",
		"counter.pi": "Personal information (people)", "counter.spi": "Sensitive personal information (people)",
		"pending.grant": "Grant request", "pending.transfer": "Transfer", "pending.due": "due", "pending.overdue": "overdue",
		"grade.general": "general", "grade.important": "important", "grade.core": "core",
		"datasets.title": "Datasets", "datasets.none": "No datasets.",
		"col.id": "ID", "col.name": "Name", "col.region": "Region", "col.grade": "Grade", "col.records": "Records", "col.subjects": "People",
		"col.purpose": "Purpose", "col.field": "Field", "col.categories": "Categories", "col.personal": "Personal", "col.sensitive": "Sensitive",
		"col.confirmed": "Confirmed", "col.nonempty": "Values", "col.status": "Status", "col.owner": "Owner", "col.consumer": "Consumer",
		"col.dataset": "Dataset", "col.fields": "Fields", "col.expires": "Expires", "col.actions": "Actions", "col.legal": "Legal basis",
		"col.destination": "Destination", "col.route": "Route", "col.articles": "Rules and articles", "col.evidence": "Evidence",
		"col.requires": "Still required", "col.index": "Entry", "col.time": "Time", "col.action": "Action", "col.actor": "Actor",
		"col.proof": "Proof", "col.date": "Date", "col.recipient": "Recipient",
		"dataset.title": "Dataset", "dataset.grade": "Grade", "dataset.why": "Why this grade", "dataset.whygeneral": "No field carries a grade above general.",
		"dataset.fields": "Fields", "dataset.grants": "Grants on this dataset", "dataset.nogrants": "No grants.",
		"dataset.correct": "Confirm or correct", "dataset.categories.help": "category keys, comma-separated",
		"yes": "yes", "no": "no",
		"grants.title": "Grants", "grants.none": "No grants.", "grants.request": "Request access to a dataset",
		"grants.approve": "Approve", "grants.deny": "Deny", "grants.revoke": "Revoke", "grants.reason": "reason",
		"grants.risk": "risk assessment reference (important data)", "grants.submit": "Send request",
		"form.dataset": "Dataset ID", "form.fields": "Fields (comma-separated)", "form.purpose": "Purpose (one of yours)",
		"form.legal_basis": "Legal basis", "form.justification": "Justification", "form.duration_days": "Duration (days)",
		"transfers.title": "Transfers", "transfers.none": "No transfers.",
		"log.title": "Transparency log", "log.checkpoint": "Latest signed checkpoint", "log.nocheckpoint": "No checkpoint yet.",
		"log.verifier": "Verifier key", "log.offline": "Check it offline with: sluice verify",
		"log.entries": "Entries you may see", "log.none": "No entries.", "log.filter": "Filter", "log.download": "download",
		"log.verify": "Verify now", "log.verified": "Verified: the checkpoint's signature and the inclusion of %d entries in its tree.",
		"log.failed": "Verification FAILED", "log.size": "entries in the log",
		"filter.action": "Action", "filter.org": "Organisation", "filter.dataset": "Dataset ID", "filter.from": "From", "filter.to": "To",
		"subjects.title": "Person lookup", "subjects.help": "Enter a phone number, ID number or e-mail. It is keyed on the server and neither stored nor logged.",
		"subjects.identifier": "Identifier", "subjects.lookup": "Look up", "subjects.download": "Download with proofs",
		"subjects.none": "No logged event about this person is visible to you.", "subjects.found": "Logged events about this person",
		"reports.title": "Compliance report", "reports.print": "Print", "reports.inventory": "Inventory", "reports.sensitive": "Sensitive personal information",
		"reports.transfers": "Cross-border transfers and their bases", "reports.grants": "Sharing grants", "reports.date": "Date of the report",
		"reports.org": "Organisation", "reports.none": "None.",
		"catalog.title": "Catalogue", "catalog.help": "Datasets shared through the catalogue (and your own), with their fields, grades and classes; records are never shown here.",
		"notfound.title": "Not found", "notfound.text": "There is no such page, or you may not see it.", "notfound.home": "Back to the overview",
		"error.title": "Something went wrong", "error.requestid": "Request id (quote it to the operator)",
		"err.csrf":      "The form was refused: its security token is missing or stale. Reload the page and try again.",
		"err.forbidden": "Your key's role may not do this.", "err.internal": "An internal error occurred.", "err.form": "The form could not be read.",
		"err.key.required": "Enter an API key.", "err.key.invalid": "This key is unknown, malformed or revoked.",
		"err.required": "Required.", "err.number": "Enter a positive number.", "err.days": "Enter a number of days from 1 to 3650.",
		"err.date": "Enter a date as YYYY-MM-DD.", "err.identifier": "Enter a phone number, ID number or e-mail.", "err.field.unknown": "No such field.",
	},
	"zh": {
		"app.name": "sluice 控制台", "nav.overview": "概览", "nav.datasets": "数据集", "nav.grants": "授权",
		"nav.transfers": "出境", "nav.log": "日志", "nav.subjects": "个人查询", "nav.reports": "报告",
		"nav.catalog": "目录", "nav.logout": "退出", "lang.switch": "English", "lang.name": "中文",
		"login.title": "登录", "login.key": "API 密钥", "login.submit": "登录", "login.help": "粘贴用 sluice key create 创建的 API 密钥。密钥只留在服务器上；浏览器只保存会话 Cookie。",
		"login.expired": "会话已过期，请重新登录。",
		"logout.title":  "退出", "logout.submit": "立即退出",
		"signed.as": "当前身份", "role.owner": "数据持有方", "role.consumer": "数据使用方", "role.auditor": "审计方", "role.supervisor": "监管方",
		"sv.title": "监管", "sv.orgs": "组织", "sv.near": "接近出境阈值（80% 以上）的组织",
		"sv.important": "正在出境的重要或核心数据", "sv.unclassified": "从未分类或确认的数据集", "sv.none": "无。", "col.org": "组织",
		"catalog.entry": "共享目录", "catalog.default": "默认类别，持有方尚未设定", "catalog.sharing": "共享",
		"catalog.opening": "开放", "catalog.conditions": "条件", "catalog.save": "保存类别", "catalog.publicbody": "公共管理和服务机构",
		"catalog.answer":              "答复期限（工作日）",
		"catalog.request":             "申请使用",
		"class.sharing.unconditional": "无条件共享", "class.sharing.conditional": "有条件共享", "class.sharing.none": "不予共享",
		"class.opening.unconditional": "无条件开放", "class.opening.conditional": "有条件开放", "class.opening.closed": "不予开放",
		"overview.title": "概览", "overview.datasets": "数据集", "overview.bygrade": "按级别的数据集", "overview.byregion": "按地区的数据集",
		"overview.sensitive": "敏感字段", "overview.records": "记录", "overview.subjects": "涉及人数",
		"overview.counters": "本年度数据出境累计与阈值", "overview.nocounters": "本组织所在地区不适用出境阈值。",
		"overview.pending": "待答复事项", "overview.nopending": "没有待办事项。",
		"chart.people": "人", "chart.threshold": "阈值", "chart.reached": "已达到", "chart.route": "路径",
		"counter.pi": "个人信息（人数）", "counter.spi": "敏感个人信息（人数）",
		"pending.grant": "授权申请", "pending.transfer": "出境", "pending.due": "期限", "pending.overdue": "已逾期",
		"grade.general": "一般数据", "grade.important": "重要数据", "grade.core": "核心数据",
		"datasets.title": "数据集", "datasets.none": "没有数据集。",
		"col.id": "编号", "col.name": "名称", "col.region": "地区", "col.grade": "级别", "col.records": "记录数", "col.subjects": "人数",
		"col.purpose": "目的", "col.field": "字段", "col.categories": "类别", "col.personal": "个人信息", "col.sensitive": "敏感",
		"col.confirmed": "已确认", "col.nonempty": "非空值", "col.status": "状态", "col.owner": "持有方", "col.consumer": "使用方",
		"col.dataset": "数据集", "col.fields": "字段", "col.expires": "到期", "col.actions": "操作", "col.legal": "法律依据",
		"col.destination": "目的地", "col.route": "路径", "col.articles": "规则与条款", "col.evidence": "证明材料",
		"col.requires": "尚需", "col.index": "条目", "col.time": "时间", "col.action": "动作", "col.actor": "操作方",
		"col.proof": "证明", "col.date": "日期", "col.recipient": "接收方",
		"dataset.title": "数据集", "dataset.grade": "级别", "dataset.why": "定级依据", "dataset.whygeneral": "没有字段高于一般数据级别。",
		"dataset.fields": "字段", "dataset.grants": "本数据集上的授权", "dataset.nogrants": "没有授权。",
		"dataset.correct": "确认或更正", "dataset.categories.help": "类别键，用逗号分隔",
		"yes": "是", "no": "否",
		"grants.title": "授权", "grants.none": "没有授权。", "grants.request": "申请使用数据集",
		"grants.approve": "批准", "grants.deny": "拒绝", "grants.revoke": "撤销", "grants.reason": "理由",
		"grants.risk": "风险评估编号（重要数据）", "grants.submit": "提交申请",
		"form.dataset": "数据集编号", "form.fields": "字段（逗号分隔）", "form.purpose": "目的（本组织已登记）",
		"form.legal_basis": "法律依据", "form.justification": "理由", "form.duration_days": "期限（天）",
		"transfers.title": "数据出境", "transfers.none": "没有出境记录。",
		"log.title": "透明日志", "log.checkpoint": "最新签名检查点", "log.nocheckpoint": "尚无检查点。",
		"log.verifier": "验证公钥", "log.offline": "可离线核验：sluice verify",
		"log.entries": "您可查看的条目", "log.none": "没有条目。", "log.filter": "筛选", "log.download": "下载",
		"log.verify": "立即核验", "log.verified": "核验通过：检查点签名有效，%d 个条目均包含在其树中。",
		"log.failed": "核验失败", "log.size": "条日志",
		"filter.action": "动作", "filter.org": "组织", "filter.dataset": "数据集编号", "filter.from": "起", "filter.to": "止",
		"subjects.title": "个人查询", "subjects.help": "输入手机号、身份证号或电子邮箱。标识在服务器上加密散列，不存储、不记录。",
		"subjects.identifier": "标识", "subjects.lookup": "查询", "subjects.download": "下载（含证明）",
		"subjects.none": "没有您可查看的关于此人的日志事件。", "subjects.found": "关于此人的日志事件",
		"reports.title": "合规报告", "reports.print": "打印", "reports.inventory": "数据清单", "reports.sensitive": "敏感个人信息",
		"reports.transfers": "数据出境及其依据", "reports.grants": "共享授权", "reports.date": "报告日期",
		"reports.org": "组织", "reports.none": "无。",
		"catalog.title": "共享目录", "catalog.help": "您可查看的数据集及其字段和级别；此处从不显示记录内容。",
		"notfound.title": "未找到", "notfound.text": "没有这个页面，或您无权查看。", "notfound.home": "返回概览",
		"error.title": "出错了", "error.requestid": "请求编号（请告知运维人员）",
		"err.csrf":      "表单被拒绝：安全令牌缺失或已过期。请刷新页面后重试。",
		"err.forbidden": "您的密钥角色无权执行此操作。", "err.internal": "发生内部错误。", "err.form": "无法读取表单。",
		"err.key.required": "请输入 API 密钥。", "err.key.invalid": "该密钥未知、格式错误或已撤销。",
		"err.required": "必填。", "err.number": "请输入正整数。", "err.days": "请输入 1 到 3650 之间的天数。",
		"err.date": "请按 YYYY-MM-DD 输入日期。", "err.identifier": "请输入手机号、身份证号或电子邮箱。", "err.field.unknown": "没有该字段。",
	},
}

// language picks the console's language: the sluice_lang cookie if set,
// else the first of Accept-Language's languages that the console has
// (any zh is Simplified Chinese), else English.
func language(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		if _, ok := catalogues[c.Value]; ok {
			return c.Value
		}
	}
	type pref struct {
		lang string
		q    float64
	}
	best := pref{"en", -1}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				continue
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if _, ok := catalogues[base]; ok && q > best.q {
			best = pref{base, q}
		}
	}
	return best.lang
}

// translator returns the label function of lang: T "key" args... formats
// the label with the args if it has verbs.
func translator(lang string) func(key string, args ...any) string {
	return func(key string, args ...any) string {
		msg, ok := catalogues[lang][key]
		if !ok {
			if msg, ok = catalogues["en"][key]; !ok {
				msg = key
			}
		}
		if len(args) > 0 {
			return fmt.Sprintf(msg, args...)
		}
		return msg
	}
}

var funcs = template.FuncMap{
	"date": func(t any) string {
		switch x := t.(type) {
		case time.Time:
			return x.UTC().Format("2006-01-02 15:04")
		case *time.Time:
			if x == nil {
				return ""
			}
			return x.UTC().Format("2006-01-02")
		}
		return ""
	},
	"join": strings.Join,
	"list": func(xs ...string) []string { return xs },
	"otherLang": func(lang string) string {
		if lang == "zh" {
			return "en"
		}
		return "zh"
	},
	"catKeys": func(cs any) string { return categoryKeys(cs) },
	"add":     func(a, b int) int { return a + b },
	"t":       translator("en"), // replaced per request by execute
}

// MessageKeys returns the label keys of each language, for tests of the
// catalogues.
func MessageKeys() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for lang, m := range catalogues {
		out[lang] = map[string]bool{}
		for k := range m {
			out[lang][k] = true
		}
	}
	return out
}
