"""Journey: a member reports progress on an approved commitment, then corrects the report."""

import re

from playwright.sync_api import Page, expect

NARRATIVE = """We hired **twelve** people this spring.

- each of them has a mentor
- the second cohort starts in *September*
"""


def _flash(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def test_member_reports_progress_then_corrects_it(page, world, sign_in):
    organisation = world.organisation()
    commitment_id, title = world.approved_commitment(
        organisation, indicator=("Jobs created", "jobs", 10, 50)
    )
    member = page

    sign_in(member, organisation.member)
    member.goto("/my/")
    member.get_by_role("link", name=organisation.name, exact=True).click()
    member.get_by_role("link", name=title, exact=True).click()
    expect(member.get_by_role("heading", level=1)).to_have_text(title)
    expect(member.locator("[data-timeline] [data-update-id]")).to_have_count(0)
    member.locator("[data-actions]").get_by_role("link", name="Report progress").click()

    # One short form: the indicator with its baseline and target beside it.
    expect(member.get_by_role("heading", level=1)).to_have_text("Report progress")
    indicator = member.get_by_label("Jobs created (jobs)")
    context = member.locator("[data-indicator-context]")
    expect(context).to_contain_text("Baseline: 10")
    expect(context).to_contain_text("Target: 50")
    member.get_by_label("Where does it stand?").select_option(label="On track")
    member.get_by_label("Percent complete").fill("30")
    indicator.fill("22")
    member.get_by_label("First cohort", exact=False).check()
    member.get_by_label("What happened").fill(NARRATIVE)
    member.get_by_label("Evidence 1: kind").select_option(label="Testimony")
    member.get_by_label("Evidence 1: impact dimension").select_option(label="Social performance")
    member.get_by_label("Evidence 1: title").fill("Amina, hired in March")
    member.get_by_role("button", name="Send the report").click()

    # The report is in the timeline, its Markdown rendered; the indicator moved.
    expect(_flash(member, "Thank you: your progress report was recorded.")).to_be_visible()
    reports = member.locator("[data-timeline] [data-update-id]")
    expect(reports).to_have_count(1)
    original = reports.first
    original_id = original.get_attribute("data-update-id")
    expect(original.get_by_role("heading", level=3)).to_contain_text(
        f"Progress report #{original_id} · On track · 30 %"
    )
    narrative = original.locator("[data-narrative]")
    expect(narrative.locator("strong")).to_have_text("twelve")
    expect(narrative.locator("li")).to_have_text(
        ["each of them has a mentor", "the second cohort starts in September"]
    )
    expect(narrative.locator("em")).to_have_text("September")
    expect(original.locator("[data-value]")).to_have_text("22")
    expect(original).to_contain_text("Testimony: Amina, hired in March")
    expect(member.locator("[data-indicators] [data-current-value]")).to_have_text("22")
    expect(member.locator("[data-milestones]")).to_contain_text("First cohort")
    expect(member.locator("[data-milestones]")).to_contain_text("done on")

    # The member corrects it: a new report takes its place, the original stays, marked.
    original.get_by_role("link", name="Correct this report").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Correct a progress report")
    expect(member.get_by_label("Jobs created (jobs)")).to_have_value("22")
    expect(member.get_by_label("What happened")).to_have_value(re.compile(r"\*\*twelve\*\*"))
    member.get_by_label("Jobs created (jobs)").fill("24")
    member.get_by_label("What happened").fill(NARRATIVE.replace("twelve", "fourteen"))
    member.get_by_label("Why is it corrected?").fill("Two more people signed on the last day.")
    member.get_by_role("button", name="Record the correction").click()

    expect(_flash(member, "Your correction was recorded")).to_be_visible()
    expect(reports).to_have_count(2)
    original = member.locator(f"[data-timeline] [data-update-id='{original_id}']")
    correction = member.locator("[data-timeline] [data-entry-kind=correction]")
    correction_id = correction.get_attribute("data-update-id")
    expect(original.locator("[data-superseded]")).to_have_text(f"Corrected by #{correction_id}")
    expect(original.locator("[data-narrative] strong")).to_have_text("twelve")
    expect(original.get_by_role("link", name="Correct this report")).to_have_count(0)
    expect(correction.get_by_role("heading", level=3)).to_contain_text(
        f"Correction of the report #{original_id}"
    )
    expect(correction).to_contain_text("Reason: Two more people signed on the last day.")
    expect(correction.locator("[data-narrative] strong")).to_have_text("fourteen")
    expect(correction.locator("[data-value]")).to_have_text("24")
    expect(member.locator("[data-indicators] [data-current-value]")).to_have_text("24")

    # The public page shows the corrected value, and the original as superseded.
    member.goto(f"/commitments/{commitment_id}")
    expect(member.get_by_role("heading", level=1)).to_have_text(title)
    expect(member.locator("[data-current]")).to_have_text("24")
    expect(member.locator("[data-progress]")).to_contain_text("35 %")
    timeline = member.locator("[data-list=timeline]")
    expect(timeline.locator("[data-superseded=true]")).to_contain_text("Superseded by a correction")
    expect(timeline.locator("[data-correction=true]")).to_contain_text(
        "Two more people signed on the last day."
    )
