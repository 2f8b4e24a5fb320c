"""The dunning reports (billing's ``domain/arrears_reports.py``): the arrears ledger (欠费台账), the
collection rate (收费率), the daily dunning report per steward (催费日报表), the weekly summary
(每周催收总结) and the deposits held (押金) -- each as JSON (``GET .../x``) and as a CSV file for Excel
(``GET .../x.csv``), as the tickets monthly report (``routes/reports.py``) is.

A CSV is its JSON document laid out as a report: UTF-8 with a byte-order mark, CRLF lines, a
heading (the report, the project, its day or months), then one block per section -- a title line,
a header line (Chinese, then English), the rows, a blank line. Words read as their Chinese name
with the key in parentheses ("二次催费 (second)"); amounts are yuan with two places, rates percent
with two places; an empty cell is "none" (no rate where nothing was due). ``kernel.csvfile`` writes
it: a text cell Excel would take for a formula (a payer's name starting with ``=``) is quoted with
``'``.
"""
from __future__ import annotations

from kernel import csvfile
from kernel.fastdump import Dumper

from .. import schemas as s
from ..errors import file_response
from ..routing import route
from .base import V1, RouteModule

READERS = "finance, CS manager, service-centre manager, general manager, group admin"
DAILY_READERS = f"{READERS}; a steward: their own cases"
CSV_TYPE = "text/csv; charset=utf-8"
PROJECT = f"{V1}/projects/{{project_id}}"

LEDGER_OUT = Dumper(s.ArrearsLedgerOut())
RATE_OUT = Dumper(s.CollectionRateOut())
DAILY_OUT = Dumper(s.DailyDunningReportOut())
WEEKLY_OUT = Dumper(s.WeeklyDunningSummaryOut())
DEPOSITS_OUT = Dumper(s.DepositsHeldOut())

LABELS = {
    "stage": {"none": "未发通知", "first": "一次催费", "second": "二次催费", "final": "最后催费", "late": "滞纳"},
    "class": {"A": "承诺缴费", "B": "不明确", "C": "联系不上", "D": "不在本地", "E": "拒缴",
              "unclassified": "未分类"},
    "paused": {"dispute": "账单异议", "plan": "分期协议"},
    "kind": {"call": "电话", "sms": "短信", "door_notice": "张贴通知", "visit": "上门", "promise": "承诺",
             "class": "分类", "closed": "结案", "paused": "暂停", "resumed": "恢复", "plan": "分期", "legal": "法务"},
    "reason": {"settled": "结清", "under_threshold": "低于起催金额"},
    "status": {"proposed": "已提议", "reviewed": "客服部已审", "approved": "总经理已批", "rejected": "已驳回",
               "done": "已执行"},
    "purpose": {"renovation": "装修保证金", "key": "钥匙押金", "other": "押金"},
}
BUCKETS = [("aged_0_30", "0-30天 0-30 days"), ("aged_31_90", "31-90天 31-90 days"),
           ("aged_91_365", "91-365天 91-365 days"), ("aged_over_365", "365天以上 Over 365 days")]
STEWARD_COLUMNS = [("open_cases", "在催案件 Open cases"), ("tasks_due", "今日任务 Tasks due"),
                   ("tasks_done", "已完成 Done"), ("tasks_open", "未完成 Open"), ("tasks_overdue", "逾期任务 Overdue"),
                   ("actions_total", "催缴动作 Actions"), ("promises", "承诺 Promises"),
                   ("promised_amount", "承诺金额 Promised"), ("notices_total", "通知 Notices"),
                   ("collected", "收款 Collected")]


def _name(what: str, key) -> str:
    if key is None:
        return ""
    label = LABELS.get(what, {}).get(key)
    return f"{label} ({key})" if label else str(key)


def _cell(value):
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    return value


class _Sheet:
    """A report's rows: heading lines, then blocks (title, header, rows, a blank line)."""

    def __init__(self, title: str, doc: dict):
        self.out: list[list] = []
        self.line(title)
        self.line("项目 Project", doc["project_name"], doc["project_id"])

    def line(self, *cells):
        self.out.append([_cell(c) for c in cells])

    def table(self, title, header, rows):
        self.line(title)
        self.line(*header)
        for row in rows:
            self.line(*row)
        self.line()

    def text(self) -> str:
        return csvfile.text(self.out)


def _steward(line: dict) -> str:
    if line.get("steward_id") is None:
        return "未分配 (unassigned)"
    return f"{line['steward_name']} ({line['steward_id']})" if line.get("steward_name") else line["steward_id"]


def ledger_csv(doc: dict) -> str:
    """The arrears ledger (``ArrearsLedgerOut``) as CSV text (no BOM)."""
    sheet = _Sheet("欠费台账 Arrears ledger", doc)
    sheet.line("日期 On", doc["on"])
    sheet.line("欠费户数 Accounts in arrears", doc["accounts"])
    sheet.line()
    sheet.table("一、欠费明细 Accounts with overdue bills (due before the day, not settled by its end)",
                ["房号 Unit", "缴费人 Payer", "欠费合计 Overdue", "账单数 Bills", *(h for _, h in BUCKETS),
                 "最早应缴日 Oldest due", "逾期天数 Days past due", "催缴阶段 Stage", "欠费分类 Class", "管家 Steward",
                 "暂停 Paused", "滞纳金累计 Late fee accrued", "滞纳金已出账 Late fee billed", "滞纳金计至 Through"],
                ([r["unit_label"], r["payer_name"], r["overdue"], r["bills"], *(r[k] for k, _ in BUCKETS),
                  r["oldest_due_on"], r["days_past_due"], _name("stage", r["stage"]),
                  _name("class", r["arrears_class"]), _steward(r) if r["steward_id"] else "",
                  _name("paused", r["paused"]), r["late_fee_accrued"], r["late_fee_billed"], r["late_fee_through"]]
                 for r in doc["rows"]))
    t = doc["totals"]
    sheet.table("二、账龄合计 Totals by age", ["户数 Accounts", "欠费合计 Overdue", *(h for _, h in BUCKETS)],
                [[t["accounts"], t["overdue"], *(t[k] for k, _ in BUCKETS)]])
    sheet.table("三、按欠费分类 By arrears class", ["欠费分类 Class", "户数 Accounts", "欠费合计 Overdue",
                                                    *(h for _, h in BUCKETS)],
                ([_name("class", c["arrears_class"]), c["accounts"], c["overdue"], *(c[k] for k, _ in BUCKETS)]
                 for c in doc["by_class"]))
    return sheet.text()


def rate_csv(doc: dict) -> str:
    """The collection rate (``CollectionRateOut``) as CSV text: one row per month in each section."""
    sheet = _Sheet("收费率 Collection rate", doc)
    sheet.line("月份 Months", doc["month_from"], doc["month_to"])
    sheet.line("截至 As of", doc["as_of"])
    sheet.line()
    months = doc["months"]
    sheet.table("一、当期 Current period: monthly bills of the month and one-off bills issued in it "
                "(rate = collected / billed)",
                ["月份 Month", "本月已结束 Complete", "账单数 Bills", "应收 Gross", "月度账单 Monthly", "一次性 One-off",
                 "冲正 Cancelled", "应收净额 Billed", "实收 Collected", "减免 Discounted", "核销 Written off",
                 "未收 Outstanding", "收费率% Rate"],
                ([m["month"], m["complete"], *(m["current"][k] for k in (
                    "bills", "gross", "monthly", "one_off", "cancelled", "billed", "collected", "discounted",
                    "written_off", "outstanding", "rate_percent"))] for m in months))
    sheet.table("二、往期欠费 Arrears: open at the month's first day on bills due before it "
                "(rate = collected / (brought forward - cancelled))",
                ["月份 Month", "账单数 Bills", "期初欠费 Brought forward", "冲正 Cancelled", "收回 Collected",
                 "减免 Discounted", "核销 Written off", "未收 Outstanding", "收费率% Rate"],
                ([m["month"], *(m["arrears"][k] for k in (
                    "bills", "brought_forward", "cancelled", "collected", "discounted", "written_off", "outstanding",
                    "rate_percent"))] for m in months))
    sheet.table("三、滞纳金 Late fees billed in the month (in neither rate)",
                ["月份 Month", "账单数 Bills", "应收 Billed", "实收 Collected", "未收 Outstanding"],
                ([m["month"], *(m["late_fee"][k] for k in ("bills", "billed", "collected", "outstanding"))]
                 for m in months))
    return sheet.text()


def daily_csv(doc: dict) -> str:
    """The daily dunning report (``DailyDunningReportOut``) as CSV text."""
    sheet = _Sheet("催费日报表 Daily dunning report", doc)
    sheet.line("日期 Day", doc["day"])
    sheet.line()
    lines = doc["stewards"]
    sheet.table("一、按管家 By steward", ["管家 Steward", *(h for _, h in STEWARD_COLUMNS)],
                [*([_steward(line), *(line[k] for k, _ in STEWARD_COLUMNS)] for line in lines),
                 ["合计 Total", *(doc["totals"][k] for k, _ in STEWARD_COLUMNS)]])
    sheet.table("二、催缴动作 Actions by kind", ["管家 Steward", "动作 Kind", "数量 Count"],
                ([_steward(line), _name("kind", a["kind"]), a["count"]] for line in lines for a in line["actions"]))
    sheet.table("三、催费通知 Notices by stage", ["管家 Steward", "通知 Stage", "数量 Count"],
                ([_steward(line), _name("stage", n["stage"]), n["count"]] for line in lines for n in line["notices"]
                 if n["count"]))
    return sheet.text()


def weekly_csv(doc: dict) -> str:
    """The weekly summary (``WeeklyDunningSummaryOut``) as CSV text."""
    sheet = _Sheet("每周催收总结 Weekly dunning summary", doc)
    sheet.line("周 Week", doc["week"], doc["week_start"], doc["week_end"])
    sheet.line("本周已结束 Week complete", doc["complete"])
    sheet.line()
    c = doc["cases"]
    sheet.table("一、案件 Cases", ["项目 Item", "数量 Count"], [
        ["本周新增 Opened", c["opened"]], ["本周结案 Closed", c["closed"]], ["周末在催 Open at the end", c["open_at_end"]],
        *([f"结案: {_name('reason', r['reason'])}", r["count"]] for r in c["closed_by_reason"])])
    sheet.table("二、催费通知 Notices by stage", ["通知 Stage", "数量 Count"],
                [*([_name("stage", n["stage"]), n["count"]] for n in doc["notices"]),
                 ["合计 Total", doc["notices_total"]]])
    sheet.table("三、催缴动作 Actions by kind", ["动作 Kind", "数量 Count"],
                [*([_name("kind", a["kind"]), a["count"]] for a in doc["actions"]),
                 ["合计 Total", doc["actions_total"]], ["其中承诺 Promises", doc["promises"]]])
    sheet.table("四、周末欠费分类 Classes of the cases open at the week's end", ["欠费分类 Class", "案件 Cases"],
                ([_name("class", x["arrears_class"]), x["cases"]] for x in doc["classes_at_end"]))
    p, legal = doc["plans"], doc["legal"]
    sheet.table("五、分期协议 Installment plans", ["项目 Item", "数量 Count"], [
        ["本周签订 Agreed", p["agreed"]], ["本周违约 Broken", p["broken"]], ["本周完成 Completed", p["completed"]]])
    sheet.table("六、法务 Legal proposals: steps this week, then the status of those proposed by its end",
                ["项目 Item", "数量 Count"],
                [*([f"本周{label} {key}", legal[key]] for key, label in (
                    ("proposed", "提议"), ("reviewed", "审核"), ("approved", "批准"), ("rejected", "驳回"),
                    ("done", "执行"))),
                 *([f"状态: {_name('status', x['status'])}", x["count"]] for x in legal["by_status"])])
    money = doc["collection"]
    sheet.table("七、本周收款 Collected this week", ["项目 Item", "金额 Amount"], [
        ["当期账单 Current bills (due on or after Monday)", money["current"]],
        ["往期欠费 Arrears (due before Monday)", money["arrears"]], ["滞纳金 Late fees", money["late_fee"]],
        ["合计 Total", money["total"]],
        ["其中在催户 Of which on accounts with a case (money received)", doc["collected_on_case_accounts"]]])
    return sheet.text()


def deposits_csv(doc: dict) -> str:
    """The deposits held (``DepositsHeldOut``) as CSV text."""
    sheet = _Sheet("押金 Deposits held", doc)
    sheet.line("截至 As of", doc["as_of"])
    sheet.line()
    sheet.table("一、按房屋 By unit", ["房号 Unit", "缴费人 Payer", "押金 Held"],
                [*([u["unit_label"], u["payer_name"], u["held"]] for u in doc["units"]),
                 [f"合计 Total ({doc['unit_count']})", "", doc["total"]]])
    sheet.table("二、按类别 By purpose", ["房号 Unit", "类别 Purpose", "笔数 Deposits", "押金 Held"],
                ([u["unit_label"], _name("purpose", x["purpose"]), x["deposits"], x["held"]]
                 for u in doc["units"] for x in u["by_purpose"]))
    return sheet.text()


def _download(text: str, name: str, doc: dict, chinese: str, tag: str):
    return file_response(csvfile.encode(text), CSV_TYPE, f"{name}-{tag}.csv",
                         utf8_filename=f"{doc['project_name']}-{chinese}-{tag}.csv")


def _day(value):
    return value.isoformat() if value is not None else None


class ArrearsRoutes(RouteModule):
    # -- 欠费台账 -------------------------------------------------------------------------------
    def _ledger(self, user, project_id, query):
        return self._as(user)("billing", "arrears_ledger", project_id, _day(query["on"]))

    @route("GET", f"{PROJECT}/arrears-ledger", tags=("dunning",), query=s.ArrearsLedgerQuery,
           response=s.ArrearsLedgerOut, errors=(400, 403, 404, 422),
           summary=f"The arrears ledger (欠费台账) of a day: each account with overdue bills, by age and "
                   f"class ({READERS})",
           description="on: today at the site (default) or a past day -- the books as they stood at its end; "
                       "a later day is 422 day_in_future. Ageing buckets by each bill's days past due: 0-30, "
                       "31-90, 91-365, over 365. Sorted by overdue, descending. As a CSV file: .../arrears-ledger.csv.")
    def arrears_ledger(self, request, user, project_id, query):
        return self._ledger(user, project_id, query)

    @route("GET", f"{PROJECT}/arrears-ledger.csv", tags=("dunning",), query=s.ArrearsLedgerQuery,
           media_type=CSV_TYPE, errors=(400, 403, 404, 422),
           summary=f"The arrears ledger as a CSV file for Excel ({READERS})")
    def arrears_ledger_csv(self, request, user, project_id, query):
        doc = LEDGER_OUT.dump(self._ledger(user, project_id, query))
        return _download(ledger_csv(doc), "arrears-ledger", doc, "欠费台账", doc["on"])

    # -- 收费率 ---------------------------------------------------------------------------------
    def _rate(self, user, project_id, query):
        return self._as(user)("billing", "collection_rate", project_id, month=query["month"],
                              month_from=query["month_from"], month_to=query["month_to"])

    @route("GET", f"{PROJECT}/collection-rate", tags=("dunning",), query=s.CollectionRateQuery,
           response=s.CollectionRateOut, errors=(400, 403, 404, 422),
           summary=f"The collection rate (收费率) of a month, or of each month from..to: current period and "
                   f"arrears apart ({READERS})",
           description="month=YYYY-MM, or from=YYYY-MM&to=YYYY-MM (at most 24 months); a month not begun is 422 "
                       "month_in_future. Current period: the month's monthly bills and the one-off bills issued "
                       "in it, collected (money and prepaid credit, net of reversals) by its last day. Arrears: "
                       "what was open at its first day on bills due before it, collected during it. Late fees on "
                       "their own line. As a CSV file: .../collection-rate.csv.")
    def collection_rate(self, request, user, project_id, query):
        return self._rate(user, project_id, query)

    @route("GET", f"{PROJECT}/collection-rate.csv", tags=("dunning",), query=s.CollectionRateQuery,
           media_type=CSV_TYPE, errors=(400, 403, 404, 422),
           summary=f"The collection rate as a CSV file for Excel ({READERS})")
    def collection_rate_csv(self, request, user, project_id, query):
        doc = RATE_OUT.dump(self._rate(user, project_id, query))
        tag = doc["month_from"] if doc["month_from"] == doc["month_to"] else f"{doc['month_from']}_{doc['month_to']}"
        return _download(rate_csv(doc), "collection-rate", doc, "收费率", tag)

    # -- 催费日报表 --------------------------------------------------------------------------------
    def _daily(self, user, project_id, query):
        return self._as(user)("billing", "dunning_daily_report", project_id, _day(query["day"]))

    @route("GET", f"{PROJECT}/dunning/daily-report", tags=("dunning",), query=s.DunningReportDayQuery,
           response=s.DailyDunningReportOut, errors=(400, 403, 404, 422),
           summary=f"The daily dunning report (催费日报表) per steward ({DAILY_READERS})",
           description="day: today (default) or a past day. Per steward (and the unassigned cases): open cases, "
                       "tasks due / done / open and overdue, the actions logged by kind, promises, the notices of "
                       "the day, money received on their cases' accounts. As a CSV file: .../daily-report.csv.")
    def dunning_daily_report(self, request, user, project_id, query):
        return self._daily(user, project_id, query)

    @route("GET", f"{PROJECT}/dunning/daily-report.csv", tags=("dunning",), query=s.DunningReportDayQuery,
           media_type=CSV_TYPE, errors=(400, 403, 404, 422),
           summary=f"The daily dunning report as a CSV file for Excel ({DAILY_READERS})")
    def dunning_daily_report_csv(self, request, user, project_id, query):
        doc = DAILY_OUT.dump(self._daily(user, project_id, query))
        return _download(daily_csv(doc), "dunning-daily", doc, "催费日报表", doc["day"])

    # -- 每周催收总结 ------------------------------------------------------------------------------
    def _weekly(self, user, project_id, query):
        return self._as(user)("billing", "dunning_weekly_summary", project_id, _day(query["day"]))

    @route("GET", f"{PROJECT}/dunning/weekly-summary", tags=("dunning",), query=s.DunningReportDayQuery,
           response=s.WeeklyDunningSummaryOut, errors=(400, 403, 404, 422),
           summary=f"The weekly dunning summary (每周催收总结) of the ISO week holding a day ({READERS})",
           description="day: a day of the week (Monday-Sunday), today (default) or before. Cases opened and "
                       "closed, notices, actions, classes at the week's end, installment plans, legal proposals "
                       "and the week's collection on current and arrears bills. As a CSV file: "
                       ".../weekly-summary.csv.")
    def dunning_weekly_summary(self, request, user, project_id, query):
        return self._weekly(user, project_id, query)

    @route("GET", f"{PROJECT}/dunning/weekly-summary.csv", tags=("dunning",), query=s.DunningReportDayQuery,
           media_type=CSV_TYPE, errors=(400, 403, 404, 422),
           summary=f"The weekly dunning summary as a CSV file for Excel ({READERS})")
    def dunning_weekly_summary_csv(self, request, user, project_id, query):
        doc = WEEKLY_OUT.dump(self._weekly(user, project_id, query))
        return _download(weekly_csv(doc), "dunning-weekly", doc, "每周催收总结", doc["week"])

    # -- 押金 ----------------------------------------------------------------------------------
    @route("GET", f"{PROJECT}/deposits-held", tags=("dunning",), response=s.DepositsHeldOut,
           errors=(403, 404), summary=f"The deposits (押金) held per unit and in total ({READERS})",
           description="From the journal's deposit book per unit, with the deposits held by purpose. As a CSV "
                       "file: .../deposits-held.csv.")
    def deposits_held(self, request, user, project_id):
        return self._as(user)("billing", "deposits_held", project_id)

    @route("GET", f"{PROJECT}/deposits-held.csv", tags=("dunning",), media_type=CSV_TYPE, errors=(403, 404),
           summary=f"The deposits held as a CSV file for Excel ({READERS})")
    def deposits_held_csv(self, request, user, project_id):
        doc = DEPOSITS_OUT.dump(self._as(user)("billing", "deposits_held", project_id))
        return _download(deposits_csv(doc), "deposits-held", doc, "押金", doc["as_of"])
