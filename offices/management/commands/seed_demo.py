"""Demo data: the Lin'an economy bureau and its neighbours, the offices, one user per role,
the two real items behind ../shared/reference/ taken to issued (临经信建复〔2023〕41号 and
提复〔2023〕42号),
and a dozen current items in every state. All writes go through the services."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.choices import AssignmentRole
from core.choices import AssignmentState as S
from core.choices import Body
from core.choices import ContactMethod
from core.choices import OfficeKind
from core.choices import Publicity
from core.choices import Satisfaction
from core.choices import StaffRole
from core.names import person_name
from offices.contacts import assignment_record_contact
from proposals import calendar
from proposals import services as ps
from proposals.links import link_url
from proposals.models import Bureau
from proposals.models import Office
from proposals.models import Person
from proposals.models import Proposal
from proposals.models import Session
from proposals.models import Staff
from proposals.seals import demo_seal_png
from replies import services as rs
from replies.models import DocumentCounter
from replies.policies import policy_documents_load_demo

DEMO = Path(__file__).resolve().parents[2] / "demo"
PASSWORD = "fuhan2026"
NPC_CC = ["区人大常委会办公室", "区人大代表工委", "区政府督查室"]
# The demo login of each body's office.
OFFICE_USER: dict[str, str] = {Body.NPC: "npc", Body.CPPCC: "cppcc"}
CPPCC_CC = ["区政协办公室", "区政协提案委员会", "区政府督查室"]

BUREAUS = [
    # key, full name, short name, prefix
    ("jxj", "杭州市临安区经济和信息化局", "区经信局", "临经信"),
    ("sw", "杭州市临安区商务局", "区商务局", "临商务"),
    ("kj", "杭州市临安区科学技术局", "区科技局", "临科"),
    ("gz", "杭州市规划和自然资源局临安分局", "规划资源分局", "临规资"),
]
USERS = [
    # username, full name, role, bureau key or office kind, phone
    ("louwr", "楼伟荣", StaffRole.CLERK, "jxj", "89541421"),
    ("guxj", "顾小晶", StaffRole.SUPERVISOR, "jxj", "89541400"),
    ("wangl", "王丽", StaffRole.CLERK, "sw", "63701234"),
    ("zhoujh", "周建华", StaffRole.SUPERVISOR, "sw", "63701200"),
    ("chenyf", "陈一帆", StaffRole.CLERK, "kj", "63812345"),
    ("liuq", "刘强", StaffRole.SUPERVISOR, "kj", "63812300"),
    ("hemin", "何敏", StaffRole.CLERK, "gz", "63733456"),
    ("sunyl", "孙玉林", StaffRole.SUPERVISOR, "gz", "63733400"),
    ("npc", "张晓燕", StaffRole.OFFICE, OfficeKind.NPC, "63702001"),
    ("cppcc", "李文华", StaffRole.OFFICE, OfficeKind.CPPCC, "63702101"),
    ("duchashi", "赵国平", StaffRole.OFFICE, OfficeKind.SUPERVISION, "63702201"),
]


def _content(title: str, proposer: str) -> str:
    """The demo items' full text (内容), as a deputy or member would write it."""
    subject = title.removeprefix("关于").removesuffix("的建议").removesuffix("的提案")
    return (
        f"{subject}事关我区制造业高质量发展。近年来，我区在这方面做了大量工作，"
        "取得了一定成效，但仍存在政策支持不够精准、部门协同不够顺畅、企业获得感不强等问题。\n"
        "为此建议：\n"
        f"1. 制定{subject}的专项工作方案，明确目标任务和责任部门；\n"
        "2. 加大财政资金扶持力度，完善奖补政策，简化申报流程；\n"
        "3. 建立部门联动机制，定期听取企业意见，协调解决实际困难；\n"
        f"4. 加强宣传引导，总结推广典型经验。（{proposer}）"
    )


def _original_pdf(title: str, proposer: str) -> bytes:
    """A one-page stand-in for the paper original the office scans (a real PDF)."""
    import weasyprint  # slow import: only here

    html = (
        "<html><body style=\"font-family: 'Noto Serif CJK SC', serif; font-size: 16pt\">"
        f'<h1 style="font-size: 20pt; text-align: center">{title}</h1>'
        f"<p>提出人：{proposer}</p><p>（演示用原件，内容见系统中的全文。）</p></body></html>"
    )
    return bytes(weasyprint.HTML(string=html).write_pdf())


def _name_split(full: str) -> dict[str, str]:
    # The whole Chinese name in first_name: Django's get_full_name() is "first last", which
    # would print 顾小晶 as "小晶 顾" on the letters and pages.
    return {"first_name": full, "last_name": ""}


class Command(BaseCommand):
    help = "创建演示数据（单位、机构、用户、会议届次、建议提案及复函）"

    def handle(self, *args: Any, **options: Any) -> None:
        # The holiday calendar (migrate seeds it too): the years chinese-calendar knows, so the
        # demo's 2023 and current sessions count real working days; a deadline in a year it
        # does not know (2027) shows the offices' warning until they enter that year.
        added = ps.holiday_calendar_seed()
        if added:
            self.stdout.write(f"节假日安排：已从 chinese-calendar 导入 {added[0]}–{added[-1]} 年。")
        if Bureau.objects.exists():
            self.stdout.write("演示数据已存在，跳过。")
            self._derived_data()
            return
        with transaction.atomic():
            self._seed()
        self.stdout.write(self.style.SUCCESS("演示数据已创建。"))
        shen = Person.objects.get(name="申卫康", body=Body.NPC)
        self.stdout.write(f"代表本人页面（申卫康）：{link_url(ps.person_link_issue(person=shen))}")
        self.stdout.write(f"公开答复：{settings.FUHAN_SITE_URL.rstrip('/')}/public/")
        today = timezone.localdate()
        missing = [y for y in (today.year, today.year + 1) if not calendar.year_known(y)]
        if missing:
            years = "、".join(str(y) for y in missing)
            self.stdout.write(
                f"提示：{years} 年节假日安排尚未录入，相关期限暂按周一至周五估算；"
                f"交办机构可在“节假日”页面录入。"
            )

    def _derived_data(self) -> None:
        """A database made before the stored counts and the search index existed gets them
        (the services keep them from then on)."""
        from proposals import tallies
        from proposals.models import Proposal
        from replies.models import SearchDoc
        from replies.search import search_reindex

        if tallies.check(repair=True):
            self.stdout.write("已按全量重新计数修复看板和统计的计数。")
        if SearchDoc.objects.count() != Proposal.objects.count():
            search_reindex()
            self.stdout.write("已重建检索索引。")

    # --- people and places -------------------------------------------------------------------
    def _seed(self) -> None:
        User = get_user_model()  # noqa: N806
        self.bureau = {
            key: Bureau.objects.create(full_name=full, short_name=short, doc_prefix=prefix)
            for key, full, short, prefix in BUREAUS
        }
        # Issued letters carry a seal: every demo bureau gets the same plainly fake one, drawn
        # by code, reading 演示用章 (never an imitation of a real seal).
        seal = demo_seal_png()
        for bureau in self.bureau.values():
            bureau.seal.save(f"demo-seal-{bureau.doc_prefix}.png", ContentFile(seal))
        # Named exactly as the CC lists name them: the 印发 notice goes to the offices on the list.
        offices: dict[str, Office] = {
            OfficeKind.NPC: Office.objects.create(kind=OfficeKind.NPC, name="区人大常委会办公室"),
            OfficeKind.CPPCC: Office.objects.create(kind=OfficeKind.CPPCC, name="区政协办公室"),
            OfficeKind.SUPERVISION: Office.objects.create(
                kind=OfficeKind.SUPERVISION, name="区政府督查室"
            ),
        }
        self.user: dict[str, Any] = {}
        for username, full, role, where, phone in USERS:
            user = User.objects.create_user(
                username=username,
                password=PASSWORD,
                email=f"{username}@linan.example.gov.cn",
                **_name_split(full),
            )
            Staff.objects.create(
                user=user,
                role=role,
                phone=phone,
                bureau=self.bureau.get(where) if role != StaffRole.OFFICE else None,
                office=offices.get(where) if role == StaffRole.OFFICE else None,
            )
            self.user[username] = user
        User.objects.create_superuser(
            username="admin",
            password=PASSWORD,
            email="admin@linan.example.gov.cn",
            first_name="管理员",
        )
        today = timezone.localdate()
        self.npc23 = Session.objects.create(
            body=Body.NPC, name="区十七届人大二次会议", year=2023, default_cc=NPC_CC
        )
        self.cppcc23 = Session.objects.create(
            body=Body.CPPCC, name="区政协十届二次会议", year=2023, default_cc=CPPCC_CC
        )
        self.npc_now = Session.objects.create(
            body=Body.NPC,
            name=f"区十七届人大{'五' if today.year == 2026 else '本'}次会议",
            year=today.year,
            default_cc=NPC_CC,
        )
        self.cppcc_now = Session.objects.create(
            body=Body.CPPCC,
            name=f"区政协十届{'五' if today.year == 2026 else '本'}次会议",
            year=today.year,
            default_cc=CPPCC_CC,
        )
        # The bureau had issued 40 letters in 2023 before these two (the reference numbers).
        DocumentCounter.objects.create(bureau=self.bureau["jxj"], year=2023, last_serial=40)
        self._reference_items()
        self._current_items(today)
        self._proposers()
        policy_documents_load_demo()  # the policy library (政策文件库)

    def _proposers(self) -> None:
        """The two reference items' proposers get (plainly fake) contacts, and both replies are
        published on the public page (公开)."""
        Person.objects.filter(name="申卫康", body=Body.NPC).update(
            group="锦城代表团", mobile="13800000050", email="shenwk@example.cn"
        )
        Person.objects.filter(name="孙建文", body=Body.CPPCC).update(
            group="经济界", mobile="13800000046"
        )
        for session, number in ((self.npc23, 50), (self.cppcc23, 46)):
            ps.proposal_set_publicity(
                proposal_id=Proposal.objects.get(session=session, number=number).pk,
                publicity=Publicity.PUBLIC,
                actor=self.user[OFFICE_USER[session.body]],
            )

    # --- helpers -------------------------------------------------------------------------------
    def _register(
        self,
        session: Session,
        number: int,
        title: str,
        proposer: str,
        assigned: dt.date,
        lead: str,
        co: tuple[str, ...] = (),
        **extra: Any,
    ) -> Any:
        office = self.user[OFFICE_USER[session.body]]
        extra.setdefault("content", _content(title, proposer))
        proposal = ps.proposal_register(
            session=session,
            number=number,
            title=title,
            lead_proposer=proposer,
            assigned_date=assigned,
            lead_bureaus=[self.bureau[lead]],
            co_bureaus=[self.bureau[c] for c in co],
            actor=office,
            **extra,
        )
        return proposal.assignments.get(bureau=self.bureau[lead])

    def _clerk(self, a: Any) -> Any:
        return Staff.objects.get(bureau=a.bureau, role=StaffRole.CLERK).user

    def _leader(self, a: Any) -> Any:
        return Staff.objects.get(bureau=a.bureau, role=StaffRole.SUPERVISOR).user

    def _contact(self, a: Any, on: dt.date, method: str, note: str) -> None:
        assignment_record_contact(
            assignment_id=a.pk, actor=self._clerk(a), contacted_on=on, method=method, note=note
        )

    def _to_drafting(self, a: Any) -> None:
        clerk, leader = self._clerk(a), self._leader(a)
        ps.assignment_transition(name="accept", assignment_id=a.pk, actor=clerk)
        ps.assignment_update_contacts(
            assignment_id=a.pk,
            actor=clerk,
            leader_name=person_name(leader),
            phone=clerk.staff.phone,
        )
        ps.assignment_transition(name="start_drafting", assignment_id=a.pk, actor=clerk)

    def _draft(self, a: Any, body: str, answer_class: str = "A") -> None:
        clerk, leader = self._clerk(a), self._leader(a)
        if a.is_lead:
            rs.reply_save_draft(
                assignment_id=a.pk,
                actor=clerk,
                body=body,
                answer_class=answer_class,
                leader_name=person_name(leader),
                clerk_name=person_name(clerk),
                phone=clerk.staff.phone,
            )
        else:
            rs.opinion_save_draft(
                assignment_id=a.pk,
                actor=clerk,
                body=body,
                leader_name=person_name(leader),
                phone=clerk.staff.phone,
            )

    def _to(
        self,
        a: Any,
        target: str,
        body: str = "",
        answer_class: str = "A",
        issued_on: dt.date | None = None,
    ) -> None:
        """Walk an assignment forward through the services up to `target`."""
        order: list[str] = [S.ACCEPTED, S.DRAFTING, S.IN_REVIEW, S.APPROVED, S.ISSUED, S.CC_SENT]
        clerk, leader = self._clerk(a), self._leader(a)
        for step in order[: order.index(target) + 1]:
            if step == S.ACCEPTED:
                ps.assignment_transition(name="accept", assignment_id=a.pk, actor=clerk)
            elif step == S.DRAFTING:
                ps.assignment_update_contacts(
                    assignment_id=a.pk,
                    actor=clerk,
                    leader_name=person_name(leader),
                    phone=clerk.staff.phone,
                )
                ps.assignment_transition(name="start_drafting", assignment_id=a.pk, actor=clerk)
                if body:
                    self._draft(a, body, answer_class)
            elif step == S.IN_REVIEW:
                rs.draft_submit(assignment_id=a.pk, actor=clerk)
            elif step == S.APPROVED:
                ps.assignment_transition(
                    name="approve", assignment_id=a.pk, actor=leader, comment="同意印发"
                )
            elif step == S.ISSUED:
                if a.is_lead:
                    rs.reply_issue(assignment_id=a.pk, actor=clerk, issued_on=issued_on)
                else:
                    rs.opinion_send(assignment_id=a.pk, actor=clerk)
            elif step == S.CC_SENT:
                ps.assignment_transition(name="send_cc", assignment_id=a.pk, actor=clerk)

    # --- the two real letters ------------------------------------------------------------------
    def _reference_items(self) -> None:
        a50 = self._register(
            self.npc23,
            50,
            "关于进一步加强五金工具产业发展的建议",
            "申卫康",
            dt.date(2023, 3, 10),
            "jxj",
            signer_count=13,
            is_key=True,
            content=(
                "我区五金工具产业历史悠久，是传统优势产业，但企业规模偏小、创新能力不足、"
                "品牌影响力不强。\n"
                "为此建议：\n"
                "1. 培育龙头企业，支持企业兼并重组、做大做强；\n"
                "2. 出台专项扶持政策，加大技术改造和研发投入补助；\n"
                "3. 推动全产业链创新，建设公共检测和设计服务平台；\n"
                "4. 加强区域品牌建设，组织企业参加国内外展会。"
            ),
            attachments=[
                ps.Upload(
                    "第50号建议（原件）.pdf",
                    _original_pdf("关于进一步加强五金工具产业发展的建议", "申卫康等13位代表"),
                )
            ],
        )
        a46 = self._register(
            self.cppcc23,
            46,
            "关于由行业协会牵头以企引企进行产业链精准招商的建议",
            "孙建文",
            dt.date(2023, 3, 10),
            "jxj",
            content=(
                "行业协会熟悉产业链上下游，掌握企业需求和招商线索。\n"
                "建议：一是由行业协会牵头，梳理产业链缺链、短链环节，编制招商图谱；"
                "二是出台以企引企奖励政策，对引进产业链配套项目的企业和协会给予奖励；"
                "三是建立招商信息共享机制，提高招商精准度。"
            ),
        )
        body50 = (DEMO / "reply_npc_50.txt").read_text(encoding="utf-8")
        body46 = (DEMO / "reply_cppcc_46.txt").read_text(encoding="utf-8")
        # 面商 before replying, as the letters say (“依据现行相关政策和我们的调研”).
        self._contact(
            a50, dt.date(2023, 4, 12), ContactMethod.MEETING, "与申卫康等代表在太阳镇五金企业座谈"
        )
        self._contact(
            a46, dt.date(2023, 4, 18), ContactMethod.PHONE, "电话听取孙建文委员对协会招商的意见"
        )
        self._to(a50, S.CC_SENT, body50, "A", issued_on=dt.date(2023, 5, 8))
        self._to(a46, S.CC_SENT, body46, "A", issued_on=dt.date(2023, 5, 8))
        rs.reply_record_feedback(
            assignment_id=a50.pk,
            actor=self.user[OFFICE_USER[Body.NPC]],
            satisfaction=Satisfaction.SATISFIED,
            feedback_date=dt.date(2023, 5, 26),
        )
        rs.reply_record_feedback(
            assignment_id=a46.pk,
            actor=self.user[OFFICE_USER[Body.CPPCC]],
            satisfaction=Satisfaction.SATISFIED,
            feedback_date=dt.date(2023, 5, 30),
        )

    # --- a dozen current items in every state --------------------------------------------------
    def _current_items(self, today: dt.date) -> None:
        def ago(days: int) -> dt.date:
            return today - dt.timedelta(days=days)

        npc, cppcc = self.npc_now, self.cppcc_now
        generic = (
            "{you}在{session}上提出的《{title}》收悉。非常感谢{you}对我区制造业发展的关心与支持！"
            "现结合我区实际，答复如下：\n"
            "一、关于当前工作情况\n"
            "近年来，我区深入实施“产业强区”首位战略，围绕“5+3”制造业集群，"
            "持续推进传统制造业改造提升和数字化改造，**一是**加大技术改造投入，"
            "**二是**推进“机器换人”和工厂物联网建设，**三是**完善产业扶持政策。\n"
            "二、关于下一步打算\n"
            "我局将会同相关部门，认真研究吸收{you}的意见建议，进一步完善政策，"
            "加强要素保障，推动产业高质量发展。\n"
            "最后，再次感谢{you}对我们工作的关心和支持！"
        )

        def body_for(a: Any) -> str:
            p = a.proposal
            return generic.format(you=p.you, session=p.session.name, title=p.title)

        # 1. lead drafting, co-unit opinion already sent
        a = self._register(
            npc,
            3,
            "关于加快推进五金工具产业数字化改造的建议",
            "方建国",
            ago(40),
            "jxj",
            ("kj",),
            signer_count=6,
            is_key=True,
        )
        co = a.proposal.assignments.get(role=AssignmentRole.CO_UNIT)
        self._to(
            co,
            S.ISSUED,
            "我局将围绕五金工具产业，支持企业申报高新技术企业和研发中心，"
            "落实研发费用加计扣除政策。",
        )
        self._to(a, S.DRAFTING, body_for(a), "B")
        # 2. in review
        a = self._register(
            npc,
            8,
            "关于支持中小企业走“专精特新”发展道路的建议",
            "徐丽萍",
            ago(55),
            "jxj",
            signer_count=3,
        )
        self._to(a, S.IN_REVIEW, body_for(a), "B")
        ps.supervision_urge(
            assignment_id=a.pk,
            actor=self.user[OFFICE_USER[Body.NPC]],
            comment="徐丽萍代表近日询问办理进度，请抓紧审核签批，按期答复。",
        )
        # 3. reassignment requested (land supply is the planning bureau's)
        a = self._register(
            npc,
            12,
            "关于优化工业用地供给保障制造业项目落地的建议",
            "钱永明",
            ago(2),
            "jxj",
            signer_count=4,
        )
        ps.assignment_transition(
            name="request_reassignment",
            assignment_id=a.pk,
            actor=self._clerk(a),
            comment="工业用地供应属规划和自然资源部门职责，建议改由规划资源分局主办。",
        )
        # 4. newly assigned
        self._register(
            npc,
            15,
            "关于加强电线电缆产业质量品牌建设的建议",
            "邵红英",
            ago(1),
            "jxj",
            signer_count=2,
        )
        # 5. approved, waiting to be issued
        a = self._register(npc, 21, "关于全面推行绿色制造体系建设的建议", "潘志强", ago(87), "jxj")
        self._to(a, S.APPROVED, body_for(a), "A")
        # 6. another bureau leads, the economy bureau is co-unit and has accepted
        a = self._register(
            npc,
            27,
            "关于提升产业链招商精准度的建议",
            "俞晓东",
            ago(20),
            "sw",
            ("jxj",),
            signer_count=5,
        )
        self._to(a, S.ACCEPTED)
        self._to(a.proposal.assignments.get(role=AssignmentRole.CO_UNIT), S.ACCEPTED)
        # 7. the science bureau has issued its reply
        a = self._register(npc, 33, "关于加大企业研发投入补助力度的建议", "金伟", ago(80), "kj")
        self._to(a, S.ISSUED, body_for(a).replace("我局将会同", "我局已会同"), "A")
        # 8. CPPCC: overdue, extension asked
        a = self._register(
            cppcc, 5, "关于发挥行业协会在传统产业升级中作用的提案", "章国庆", ago(100), "jxj"
        )
        self._to(a, S.DRAFTING, body_for(a), "B")
        ps.extension_request(
            assignment_id=a.pk,
            actor=self._clerk(a),
            requested_due_date=a.due_date + dt.timedelta(days=45),
            reason="涉及行业协会职能调整，需待区委区政府研究后答复。",
        )
        # ...and the supervision office presses it: a 催办, then a 督办单 awaiting the answer
        duchashi = self.user["duchashi"]
        ps.supervision_urge(
            assignment_id=a.pk, actor=duchashi, comment="该提案已超过办理期限，请尽快答复。"
        )
        ps.supervision_open(
            assignment_id=a.pk,
            actor=duchashi,
            comment="请书面说明逾期原因、目前进展和预计答复时间。",
            reply_by=calendar.add_workdays(today, 5),
        )
        # 9. done and satisfied
        a = self._register(
            cppcc,
            11,
            "关于建设五金工具公共检测服务平台的提案",
            "吴海燕",
            ago(90),
            "jxj",
            is_key=True,
        )
        self._contact(a, ago(30), ContactMethod.VISIT, "陪同吴海燕委员实地查看检测中心选址")
        self._to(a, S.CC_SENT, body_for(a), "A", issued_on=ago(10))
        rs.reply_record_feedback(
            assignment_id=a.pk,
            actor=self.user[OFFICE_USER[Body.CPPCC]],
            satisfaction=Satisfaction.BASICALLY,
            feedback_date=ago(3),
        )
        # 10. returned for revision
        a = self._register(cppcc, 17, "关于推进工业互联网平台应用的提案", "黄志远", ago(45), "jxj")
        self._to(a, S.IN_REVIEW, body_for(a), "B")
        ps.assignment_transition(
            name="return_for_revision",
            assignment_id=a.pk,
            actor=self._leader(a),
            comment="请补充今年工业互联网平台培育的具体数据，并与区科技局核对口径。",
        )
        # 11. a collective proposal (集体提案): addressed by the committee's name alone, 您们
        a = self._register(
            cppcc,
            23,
            "关于培育制造业数字化服务商的提案",
            "民盟临安区基层委员会",
            ago(10),
            "jxj",
            is_collective=True,
            attachments=[
                ps.Upload(
                    "民盟临安区基层委员会集体提案（原件）.pdf",
                    _original_pdf("关于培育制造业数字化服务商的提案", "民盟临安区基层委员会"),
                )
            ],
        )
        self._to(a, S.DRAFTING, body_for(a), "B")
        # 12. issued, proposer unsatisfied, reopened
        a = self._register(cppcc, 30, "关于加快光电产业集群发展的提案", "沈立群", ago(95), "jxj")
        self._to(a, S.CC_SENT, body_for(a), "C", issued_on=ago(20))
        rs.reply_record_feedback(
            assignment_id=a.pk,
            actor=self.user[OFFICE_USER[Body.CPPCC]],
            satisfaction=Satisfaction.UNSATISFIED,
            feedback_date=ago(5),
            comment="答复过于笼统，希望明确光电产业园区建设时间表。",
        )
        assert Proposal.objects.count() == 14  # noqa: S101
