#!/usr/bin/env python3
"""The classroom studio (`alliance-sim serve`, #19) in a real browser:
headless Chromium (Debian's package) driven through chromedriver by
Selenium. It loads the page, moves a slider, reads the displayed P(deploy)
and compares it with the command line's figure for the same --set, seed and
trials; reloads the shared address and gets the same view; saves the
what-if (the button's download) and runs it with the CLI; types an error
into the YAML pane and sees it located; tells one trial's story; checks the
console is clean and a screenshot is not blank; and prints the latency of
the first picture after a slider stops (p95 over 20 moves, measured in the
page), which docs/studio.md quotes.

    tests/browser/studio_test.py target/release/alliance-sim [--screenshots docs/img]

With --screenshots, the pictures of docs/teaching.md's walkthrough are
written there (so they never go stale).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

HERE = Path(__file__).resolve().parent
TRIALS = 200_000
SEED = 2022
ALIGNMENT = "members.russia.attributes.alignment"
CAP = "alliance.pools.peacekeeping.cap"


def cli_p_deploy(sim, *args):
    out = subprocess.run([sim, "run", *args, "-n", str(TRIALS), "--seed", str(SEED), "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["funnel"]["deploy"]["p"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sim")
    parser.add_argument("--screenshots", type=Path)
    args = parser.parse_args()
    sim = str(Path(args.sim).resolve())
    work = Path(tempfile.mkdtemp(prefix="alliance-sim-studio."))
    downloads = work / "downloads"
    downloads.mkdir()
    server = subprocess.Popen([sim, "serve", "--port", "0", "--most-trials", str(TRIALS)], cwd=work,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = server.stdout.readline().strip()
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--window-size=1400,1000",
                 f"--user-data-dir={work / 'profile'}"]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    failures = []

    def check(ok, what):
        print(("PASS " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    def wait_done(after):
        WebDriverWait(driver, 60).until(
            lambda d: int(d.execute_script("return document.body.dataset.done || 0")) > after)
        return int(driver.execute_script("return document.body.dataset.done"))

    def shown(element):
        return float(driver.execute_script(f"return document.getElementById('{element}').dataset.value"))

    def move(path, value):
        driver.execute_script(
            """const input = document.querySelector(`[data-path="${arguments[0]}"] input, [data-path="${arguments[0]}"] select`);
               input.closest('details').open = true;
               input.value = arguments[1];
               input.dispatchEvent(new Event('input'));
               input.dispatchEvent(new Event('change'));""", path, value)

    def shot(name):
        if args.screenshots:
            args.screenshots.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(args.screenshots / name))

    try:
        driver.get(address)
        done = wait_done(0)
        check(driver.find_element("id", "p-base").text.endswith("%"), "the page shows P(deploy)")
        check(shown("p-base") == cli_p_deploy(sim, "kazakhstan-2022"),
              f"P(deploy) as written = `alliance-sim run kazakhstan-2022 -n {TRIALS} --seed {SEED}`")

        move(ALIGNMENT, "0.5")
        done = wait_done(done)
        page = shown("p-deploy")
        cli = cli_p_deploy(sim, "kazakhstan-2022", "--set", f"{ALIGNMENT}=0.5")
        check(page == cli, f"after the slider, P(deploy) {page} = the CLI's with --set {ALIGNMENT}=0.5 ({cli})")
        check(f"set={ALIGNMENT}%3D0.5" in driver.current_url or f"set={ALIGNMENT}=0.5" in driver.current_url,
              "the change is in the address")
        shot("studio-overview.png")

        shared = driver.current_url
        driver.get("about:blank")
        driver.get(shared)
        wait_done(0)
        check(shown("p-deploy") == page, "the shared address reopens the same view")
        check(driver.execute_script(f"return document.querySelector('[data-path=\"{ALIGNMENT}\"] input').value") == "0.5",
              "the slider is where it was left")

        driver.find_element("id", "save").click()
        saved = downloads / "what-if.yaml"
        for _ in range(100):
            if saved.exists() and saved.stat().st_size > 0:
                break
            time.sleep(0.1)
        check(saved.exists(), "Save as what-if downloads what-if.yaml")
        if saved.exists():
            check(cli_p_deploy(sim, str(saved)) == page, "`alliance-sim run what-if.yaml` reproduces the page's P(deploy)")

        driver.execute_script("""const t = document.getElementById('yaml');
            t.value = 'extends: kazakhstan-2022\\ncrisis:\\n  severty: 1\\n';
            t.dispatchEvent(new Event('input'));""")
        WebDriverWait(driver, 20).until(lambda d: d.find_elements("css selector", "#diagnostics li[data-line='3']"))
        item = driver.find_element("css selector", "#diagnostics li[data-line='3']")
        check("severty" in item.text and item.get_attribute("data-column") == "3",
              f"an error typed into the YAML pane is located: {item.text}")
        driver.execute_script("document.querySelector('.yaml').scrollIntoView()")
        shot("studio-yaml.png")

        # One truth on the page (#39): a slider, then the same values typed
        # into the YAML pane. The controls follow the pane; the page, its
        # link and its saved file all describe the edited scenario.
        driver.get(address)
        done = wait_done(0)
        move(ALIGNMENT, "0.7")
        done = wait_done(done)
        typed = ("extends: kazakhstan-2022\nmembers:\n  russia:\n    attributes:\n      alignment: 0.3\n"
                 "alliance:\n  pools:\n    peacekeeping:\n      cap: 2000\n")

        def type_yaml(text):
            driver.execute_script("""const t = document.getElementById('yaml');
                t.value = arguments[0]; t.dispatchEvent(new Event('input'));""", text)

        def save():
            for old in downloads.glob("*.yaml"):
                old.unlink()
            driver.find_element("id", "save").click()
            for _ in range(100):
                files = list(downloads.glob("*.yaml"))
                if files and files[0].stat().st_size > 0:
                    time.sleep(0.2)
                    return files[0]
                time.sleep(0.1)
            return None

        type_yaml(typed)
        done = wait_done(done)
        edited = shown("p-deploy")
        cli = cli_p_deploy(sim, "kazakhstan-2022", "--set", f"{ALIGNMENT}=0.3", "--set", f"{CAP}=2000")
        check(edited == cli, f"the pane's values run: P(deploy) {edited} = the CLI's with both --set ({cli})")
        slider = lambda path: driver.execute_script(
            f"return document.querySelector('[data-path=\"{path}\"] input').value")
        check(slider(ALIGNMENT) == "0.3" and slider(CAP) == "2000",
              f"the controls follow the pane ({slider(ALIGNMENT)}, {slider(CAP)})")
        saved = save()
        check(saved is not None and cli_p_deploy(sim, str(saved)) == edited,
              "the saved what-if reproduces the page after a YAML edit")
        link = driver.current_url
        driver.get("about:blank")
        driver.get(link)
        wait_done(0)
        check(shown("p-deploy") == edited and slider(ALIGNMENT) == "0.3",
              "the link reopens the edited scenario, controls and figures alike")
        # An edit the controls cannot write (a rule added): the pane is what
        # runs, the controls show its values, greyed, and say so.
        done = int(driver.execute_script("return document.body.dataset.done || 0"))
        ruled = typed + ("decisions:\n  request:\n    rules:\n      append:\n        - id: class_rule\n"
                         "          when: severity > 0.9\n          add: 0.2\n          because: the class added it\n")
        type_yaml(ruled)
        done = wait_done(done)
        ruled_p = shown("p-deploy")
        check(driver.find_elements("css selector", "#controls .overridden") != [] and
              driver.execute_script(f"return document.querySelector('[data-path=\"{CAP}\"] input').disabled"),
              "controls the pane overrides are marked and greyed")
        saved = save()
        check(saved is not None and cli_p_deploy(sim, str(saved)) == ruled_p,
              f"the saved file is the pane's text and reproduces the page ({ruled_p})")
        link = driver.current_url
        driver.get("about:blank")
        driver.get(link)
        wait_done(0)
        check(shown("p-deploy") == ruled_p, "the link with a rule added reopens the same figures")
        # A scenario that does not load clears the previous one's page.
        (work / "broken.yaml").write_text("extends: kazakhstan-2022\ncrisis:\n  severty: 1\n")
        driver.get(address.split("#")[0] + "#s=file:broken.yaml")
        WebDriverWait(driver, 20).until(lambda d: d.find_element("id", "load-error").is_displayed())
        check(driver.find_element("id", "p-base").text == "—" and
              driver.find_elements("css selector", "#controls .control") == [] and
              driver.find_element("id", "charts").text == "" and
              "broken.yaml" in driver.find_element("id", "load-error").text,
              f"a scenario that fails to load clears the page: {driver.find_element('id', 'load-error').text}")
        (work / "broken.yaml").unlink()
        driver.get(address)
        wait_done(0)

        driver.execute_script("document.getElementById('outcome').value = 'non_military'")
        driver.find_element("id", "tell").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_element("id", "story").text.startswith("Trial"))
        check("non_military" in driver.find_element("id", "story").text or
              "non-military" in driver.find_element("id", "story").text, "one trial's story is told")
        driver.execute_script("document.querySelector('.story').scrollIntoView()")
        shot("studio-story.png")

        driver.execute_script("document.getElementById('rank').click()")
        WebDriverWait(driver, 120).until(lambda d: d.find_element("id", "tornado").text.strip() not in
                                          ("", "moving every input down and up…"))
        bars = driver.find_elements("css selector", '#tornado [data-section="tornado"] [data-value]')
        check(len(bars) >= 2, f"the inputs are ranked (tornado: {len(bars)} bars)")
        row = driver.find_element("css selector", "#tornado text[data-input]")
        target = row.get_attribute("data-input")
        driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", row)
        check(driver.execute_script(
            "const b = document.querySelector(`#controls .control[data-path='${arguments[0]}']`);"
            "return !!b && b.closest('details').open && document.activeElement === b.querySelector('input, select')",
            target), f"a tornado row ({target}) opens its control")

        # A bundled what-if as a one-click preset: the page's figure is the
        # what-if's own, and the change is listed under the headline.
        driver.get(address)
        done = wait_done(0)
        preset = driver.find_element("css selector", ".presets button[title*='Armenia frozen']")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", preset)
        done = wait_done(done)
        check(shown("p-deploy") == cli_p_deploy(sim, "what-if/armenia-frozen"),
              "the Armenia-frozen preset gives `run what-if/armenia-frozen`'s P(deploy)")
        changes = driver.find_element("id", "changes").text
        check("armenia" in changes and "frozen" in changes, f"the change is listed under the headline: {changes!r}")

        driver.get(address)
        done = wait_done(0)
        for i in range(20):
            before = driver.execute_script("return window.studioTimings.length")
            move(CAP, str(2000 + 100 * i))
            WebDriverWait(driver, 30).until(lambda d: d.execute_script("return window.studioTimings.length") > before)
        timings = driver.execute_script("return window.studioTimings")[-20:]
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"first picture after a slider stops (kazakhstan-2022, 20,000 trials, 20 moves): "
              f"median {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms")
        wait_done(0)

        # Keyboard: the skip link is the first Tab, and from the results the
        # next Tab reaches *Rank the inputs* (66 presses before #39).
        driver.get("about:blank")
        driver.get(address.split("#")[0] + "#s=kazakhstan-2022")
        wait_done(0)
        press = lambda key: ActionChains(driver).send_keys(key).perform()
        press(Keys.TAB)
        active = lambda: driver.execute_script("return document.activeElement.id || document.activeElement.className")
        check(active() == "skip", f"the first Tab reaches the skip link ({active()})")
        press(Keys.ENTER)
        press(Keys.TAB)
        check(active() == "rank", f"Tab from the results reaches Rank the inputs ({active()})")
        ring = driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
        check(ring not in ("", "none"), f"the focused control has a visible ring ({ring})")

        # A phone: nothing wider than 390 px, the results before the controls.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
        driver.get(address.split("#")[0] + "#s=kazakhstan-2022&set=members.russia.attributes.alignment=0.5")
        wait_done(0)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        order = driver.execute_script("return document.getElementById('results').getBoundingClientRect().top"
                                      " < document.getElementById('controls').getBoundingClientRect().top")
        check(width <= 390, f"at 390 px the page is {width} px wide")
        check(order, "at 390 px the results come before the controls")
        driver.execute_script("window.scrollTo(0, 0)")
        shot("studio-phone.png")
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        # Print: the results, not the controls.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        hidden = driver.execute_script("return getComputedStyle(document.getElementById('controls')).display")
        shown_charts = driver.execute_script("return getComputedStyle(document.getElementById('charts')).display")
        check(hidden == "none" and shown_charts != "none", f"printing shows the results, not the controls ({hidden})")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        driver.get(address)
        wait_done(0)

        path = work / "shot.png"
        driver.save_screenshot(str(path))
        check(subprocess.run([sys.executable, str(HERE / "check_png.py"), str(path), "12", "0.08"]).returncode == 0,
              "a screenshot is not blank")
        # The broken scenario's 422 is the answer the page was meant to get.
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "broken.yaml" not in e["message"]]
        check(not severe, f"no console error ({severe})")
    finally:
        driver.quit()
        server.terminate()
        server.wait()
    entries = sorted(p.name for p in work.iterdir())
    check(entries == ["downloads", "profile", "shot.png"], f"the server wrote nothing in its folder ({entries})")
    if failures:
        print(f"[studio-test] FAIL: {len(failures)} check(s)")
        return 1
    print("[studio-test] PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
