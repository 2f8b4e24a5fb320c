"""Reports: a project's tickets in one month (工单月报, tickets' ``domain/reports.py``), as JSON
and as a CSV file a customer-service manager opens in Excel.

The CSV is the JSON document laid out as a report: UTF-8 with a byte-order mark (Excel reads
Chinese correctly only with it), CRLF lines, one block per section -- a title line, a header
line (Chinese, then English), the rows, a blank line -- in the order of the JSON: the heading
(project, month, period, as of), 一 volumes, 二 SLA, 三 repair times, 四 complaints, 五 revisits,
六 satisfaction. Keys read as their Chinese name with the key in parentheses
("公共区域 (public_area)"); an unknown key reads as itself. Numbers are plain numbers (rates in
percent with one decimal), an empty cell is "none" (no rate without anything to rate). The CSV
rules (line ends, the mark, a text cell Excel would take for a formula quoted with ``'``) are
``kernel.csvfile``'s, shared with billing's bank collection files.
"""
from __future__ import annotations

from kernel import csvfile

from .. import schemas as s
from ..errors import file_response
from kernel.fastdump import Dumper
from ..routing import route
from .base import V1, RouteModule

REPORT_ROLES = "CS manager, centre manager, general manager, engineering manager, group admin"
CSV_TYPE = "text/csv; charset=utf-8"
REPORT_OUT = Dumper(s.MonthlyReportOut())

LABELS = {
    "kind": {"repair": "报修", "complaint": "投诉", "quality": "质量投诉", "revisit": "回访", "task": "前台任务"},
    "category": {"public_area": "公共区域", "in_home_paid": "有偿维修", "not_covered": "非保修范围",
                 "unclassified": "未分类", "complaint": "投诉", "quality": "质量投诉", "revisit": "回访",
                 "key_return": "借出钥匙归还", "key_spot_check": "钥匙抽查", "key_stock_check": "钥匙每月盘点",
                 "vacant_register": "空置房登记",
                 "vacant_check": "空置房检查", "vacant_care": "空置房保养"},
    "channel": {"portal": "业主端", "phone": "电话", "visit": "来访", "staff": "员工录入"},
    "clock": {"record": "录入", "notify_engineering": "通知工程部", "on_site": "到场",
              "arrive_before": "提前到达", "reply": "答复", "resolve": "处理完毕",
              "key_return": "钥匙当日归还", "key_spot_check": "钥匙抽查（25日）", "key_stock_check": "钥匙每月盘点（月底）",
              "vacant_register": "空置房登记（5日）",
              "vacant_check": "空置房检查（10日）", "vacant_report": "检查结果告知业主（12日）",
              "vacant_care": "空置房保养（清扫、通风、防寒防冻）"},
    "complaint_class": {"major": "重大", "key": "重要", "minor": "轻微"},
    "department": {"engineering": "工程部", "customer_service": "客服部", "security": "护卫部",
                   "cleaning": "保洁部", "finance": "财务部", "management": "管理处"},
    "reason": {"complaint": "投诉回访", "repair_dissatisfied": "维修不满意", "repair_unrated": "维修未评价",
               "repair_unsigned": "维修未签字", "repair_sample": "维修抽样", "maintenance": "维保工程",
               "routine": "例行回访"},
    "measure": {"to_dispatch": "受理至派工", "to_arrive": "派工至到场", "to_resolve": "受理至完工"},
}
SLA_COLUMNS = [("due", "到期 Due"), ("on_time", "按时 On time"), ("late", "超时完成 Late"),
               ("breached", "超时未完成 Breached"), ("running", "进行中 Running"),
               ("cancelled", "已取消 Cancelled"), ("rate_percent", "达标率% Rate"),
               ("extended", "批准延期 Extended")]
COMPLAINT_COLUMNS = [("registered", "登记 Registered"), ("resolved", "已处理 Resolved"),
                     ("resolved_in_limit", "时限内处理 In limit"), ("upgraded", "30天升级 Upgraded"),
                     ("reclassified", "改级 Reclassified")]
SATISFACTION_COLUMNS = [("satisfied", "满意 Satisfied"), ("neutral", "一般 Neutral"),
                        ("dissatisfied", "不满意 Dissatisfied"), ("unrecorded", "未记录 Unrecorded")]


def _name(what: str, key) -> str:
    label = LABELS.get(what, {}).get(key)
    return f"{label} ({key})" if label else str(key)


def _cell(value):
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    return value


def monthly_csv(doc: dict) -> str:
    """The report document (``MonthlyReportOut``) as the CSV text described above (no BOM)."""
    out: list[list] = []

    def line(*cells):
        out.append([_cell(c) for c in cells])

    def table(title, header, rows):
        line(title)
        line(*header)
        for row in rows:
            line(*row)
        line()

    line("工单月报 Tickets monthly report")
    line("项目 Project", doc["project_name"], doc["project_id"])
    line("月份 Month", doc["month"])
    line("时区 Time zone", doc["timezone"])
    line("期间 Period", doc["period_start"], doc["period_end"])
    line("截至 As of", doc["as_of"])
    line("本月已结束 Month complete", doc["complete"])
    line()

    v = doc["volumes"]
    table("一、受理量 Volumes: tickets received in the month", ["类型 Kind", "数量 Count"],
          [*([_name("kind", r["kind"]), r["count"]] for r in v["by_kind"]), ["合计 Total", v["total"]]])
    table("受理量按类别 Volumes by category", ["类型 Kind", "类别 Category", "数量 Count"],
          ([_name("kind", r["kind"]), _name("category", r["category"]), r["count"]] for r in v["by_category"]))
    table("受理量按渠道 Volumes by channel", ["类型 Kind", "渠道 Channel", "数量 Count"],
          ([_name("kind", r["kind"]), _name("channel", r["channel"]), r["count"]] for r in v["by_channel"]))

    sla = doc["sla"]
    table("二、时限达标 SLA: clocks due in the month (rate = on time / (on time + late + breached))",
          ["类型 Kind", "时限 Clock", *(h for _, h in SLA_COLUMNS)],
          [*([_name("kind", r["ticket_kind"]), _name("clock", r["clock"]), *(r[k] for k, _ in SLA_COLUMNS)]
             for r in sla["clocks"]),
           ["合计 Total", "", *(sla["total"][k] for k, _ in SLA_COLUMNS)]])

    table("三、维修时效 Repair times: repairs received in the month, minutes",
          ["指标 Measure", "数量 Count", "平均 Mean (min)", "中位数 Median (min)"],
          ([_name("measure", r["measure"]), r["count"], r["mean_minutes"], r["median_minutes"]]
           for r in doc["repair_times"]))

    c = doc["complaints"]
    table("四、投诉 Complaints: registered in the month, by current class",
          ["等级 Class", *(h for _, h in COMPLAINT_COLUMNS)],
          [*([_name("complaint_class", r["complaint_class"]), *(r[k] for k, _ in COMPLAINT_COLUMNS)]
             for r in c["by_class"]),
           ["合计 Total", *(c["total"][k] for k, _ in COMPLAINT_COLUMNS)]])
    table("投诉按部门 Complaints by department", ["部门 Department", *(h for _, h in COMPLAINT_COLUMNS)],
          ([_name("department", r["department"]), *(r[k] for k, _ in COMPLAINT_COLUMNS)]
           for r in c["by_department"]))

    r = doc["revisits"]
    table("五、回访率 Repair revisit rate: repairs closed in the month", ["项目 Item", "数值 Value"], [
        ["关闭的维修单 Repairs closed", r["repairs_closed"]],
        ["已回访 Revisited (done)", r["repairs_revisited"]],
        ["已安排回访 With a revisit (done or not)", r["repairs_with_revisit"]],
        ["回访率% Rate", r["rate_percent"]],
        ["目标% Target", r["target_percent"]],
        ["达标 Target met", r["target_met"]]])
    table("本月完成的回访 Revisits done in the month", ["原因 Reason", "完成 Done", *(h for _, h in SATISFACTION_COLUMNS)],
          [*([_name("reason", x["reason"]), x["done"], *(x[k] for k, _ in SATISFACTION_COLUMNS)]
             for x in r["by_reason"]),
           ["合计 Total", r["done"], *(doc["satisfaction"]["revisits"][k] for k, _ in SATISFACTION_COLUMNS)]])

    sat = doc["satisfaction"]
    table("六、满意度 Satisfaction: ratings of the repairs closed in the month", ["评分 Rating", "数量 Count"], [
        *([x["rating"], x["count"]] for x in sat["ratings"]),
        ["未评价 Unrated", sat["unrated"]],
        ["合计 Total", sat["repairs_closed"]],
        ["平均分 Mean rating", sat["mean_rating"]]])
    return csvfile.text(out)


class ReportRoutes(RouteModule):
    def _monthly_report(self, user, project_id: str, month: str) -> dict:
        month = s.ReportMonthIn().load({"month": month})["month"]      # 400 before any RPC
        return self._as(user)("tickets", "monthly_report", project_id, month)

    @route("GET", f"{V1}/projects/{{project_id}}/reports/tickets/{{month}}", tags=("reports",),
           summary=f"The project's tickets in one month of its local calendar (工单月报) ({REPORT_ROLES})",
           response=s.MonthlyReportOut, errors=(400, 404),
           description="month is YYYY-MM in the project's time zone, finished or current (400 "
                       "invalid_input / month_in_future otherwise). Volumes of the tickets received in "
                       "the month; SLA compliance of every clock due in it; repair times; complaints "
                       "registered in it; the repair revisit rate against the project's target; "
                       "satisfaction. The same as a CSV file: .../{month}.csv.")
    def tickets_monthly_report(self, request, user, project_id, month):
        return self._monthly_report(user, project_id, month)

    @route("GET", f"{V1}/projects/{{project_id}}/reports/tickets/{{month}}.csv", tags=("reports",),
           summary=f"The monthly tickets report as a CSV file for Excel ({REPORT_ROLES})",
           media_type=CSV_TYPE, errors=(400, 404),
           description="UTF-8 with a byte-order mark, one block per section (title, header, rows, a "
                       "blank line), the same figures as the JSON report; an attachment named "
                       "tickets-report-{month}.csv.")
    def tickets_monthly_report_csv(self, request, user, project_id, month):
        doc = REPORT_OUT.dump(self._monthly_report(user, project_id, month))
        return file_response(csvfile.encode(monthly_csv(doc)), CSV_TYPE,
                             f"tickets-report-{doc['month']}.csv",
                             utf8_filename=f"{doc['project_name']}-工单月报-{doc['month']}.csv")
