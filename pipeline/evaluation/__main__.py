"""``make eval``: one table of every detector's quality on development data.

Usage: python -m pipeline.evaluation [--wcxb DIR] [--limit N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.evaluation import clean_input, html_input, lodo, parity, seeds, spun, stuffing, wcxb
from pipeline.evaluation.stuffers import UNSEEN
from pipeline.language import thesauri


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluation", description=__doc__)
    parser.add_argument("--wcxb", type=Path, default=wcxb.DEFAULT_WCXB,
                        help="the WCXB dev split (default: ../shared/wcxb-dev)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate only the first N pages (a quick look)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if not (args.wcxb / "metadata.json").exists():
        print(f"evaluation: WCXB dev split not found at {args.wcxb}", file=sys.stderr)
        return 2
    # Checked before the twenty minutes of boilerplate rows, not when the spun rows need it.
    if not (thesauri.MOBY_DIR / "words.dat").exists():
        print(f"evaluation: the Moby thesaurus (Debian's libaiksaurus-1.2-data, which `make eval` installs) is not "
              f"at {thesauri.MOBY_DIR}: the spun-text rows' second spinner needs it", file=sys.stderr)
        return 2

    pages = wcxb.load_pages(args.wcxb)
    if args.limit:
        pages = pages[: args.limit]
    ours = wcxb.CleanCorpusTextOnly()
    ours.count_sites(pages)
    extractors = {
        "raw visible text": wcxb.raw_text,
        "datatrove C4 line filter": wcxb.c4_line_filter,
        ours.name: ours,
        "trafilatura (HTML input)": wcxb.trafilatura_html,
    }
    boilerplate = wcxb.evaluate(pages, extractors)
    site_rows = wcxb.site_pass(pages, ours)
    clean_rows = clean_input.main_rows(ours, args.limit)
    # The raw text and trafilatura on WCXB dev are the main table's rows; ours is another model there.
    lodo_rows = lodo.evaluate(args.limit, measured={"wcxb-dev": {
        system: boilerplate[system] for system in ("raw visible text", "trafilatura (HTML input)")}})
    html_rows = html_input.evaluate(args.limit)
    seed_rows = seeds.expectations()
    parity_rows = parity.datatrove_parity(pages)
    line_model = "held-out sites (5-fold by site)" if ours.held_out else "IN-SAMPLE (no cv models found)"
    stuffing_row = stuffing.evaluate(pages)
    spun_row = spun.evaluate(pages)
    spun_row["other_clean_flagged"] = spun.other_clean_flagged()
    results = {
        "boilerplate": boilerplate, "line_model": line_model, "seeds": seed_rows, "datatrove_parity": parity_rows,
        "site_pass": site_rows, "clean_input": clean_rows, "leave_one_benchmark_out": lodo_rows,
        "html_input": html_rows, "stuffing": stuffing_row, "spun": spun_row,
    }

    print(f"Boilerplate on WCXB dev ({len(pages)} pages; inscriptis text unless noted)")
    print(f"clean-corpus's line model: {line_model}")
    header = f"{'system':28} {'page type':14} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} {'with':>6} {'w/out':>6}"
    print(header)
    print("-" * len(header))
    for name, by_type in boilerplate.items():
        for page_type, row in by_type.items():
            w = f"{row['with_kept']:.3f}" if row["with_kept"] is not None else "-"
            wo = f"{row['without_removed']:.3f}" if row["without_removed"] is not None else "-"
            print(f"{name:28} {page_type:14} {row['pages']:>5} {row['precision']:>6.3f} {row['recall']:>6.3f} "
                  f"{row['f1']:>6.3f} {w:>6} {wo:>6}")
    if site_rows:
        print(f"  on the {site_rows['with']['pages']} pages of the {site_rows['sites']} sites with at least "
              f"{ours.site_settings['min_docs']} pages, clean-corpus without / with the site counting pass:")
        for name in ("without", "with"):
            row = site_rows[name]
            print(f"  {name:26} {'all':14} {row['pages']:>5} {row['precision']:>6.3f} {row['recall']:>6.3f} "
                  f"{row['f1']:>6.3f} {row['with_kept']:>6.3f} {row['without_removed']:>6.3f}")
    print()
    print("Clean input: each benchmark's gold texts fed as the input (every stage; the cleaned text, whatever "
          "the decision, and the documents the decision drops)")
    for name, row in clean_rows.items():
        print(f"  {name:10} {row['documents']:>5} documents: words kept {row['words_kept']:.4f}, losing more than "
              f"{clean_input.LOSS:.0%} of their words: {row['losing_documents']} ({row['losing_share']:.1%}), "
              f"dropped: {row['dropped']}")
    if lodo_rows:
        print()
        print("Boilerplate, leave one benchmark out: each cleaned by the line model trained without any of its pages")
        print(f"{'benchmark':10} {'system':34} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6}   clean input: words kept, "
              f"documents losing > {clean_input.LOSS:.0%}, dropped")
        for name, row in lodo_rows.items():
            for system, by_type in row["boilerplate"].items():
                for page_type in ("all", "article"):
                    if page_type not in by_type:
                        continue
                    r = by_type[page_type]
                    tail = ""
                    if system == lodo.SYSTEMS[1] and page_type == "all":
                        ci = row["clean_input"]
                        tail = (f"   {ci['words_kept']:.4f}, {ci['losing_documents']} ({ci['losing_share']:.1%}), "
                                f"{ci['dropped']}")
                    label = system if page_type == "all" else f"  {page_type}s"
                    print(f"{name:10} {label:34} {r['pages']:>5} {r['precision']:>6.3f} {r['recall']:>6.3f} "
                          f"{r['f1']:>6.3f}{tail}")
        print(f"  minimum word-F1 of clean-corpus over the benchmarks left out: {lodo.minimum(lodo_rows):.3f}")
    print()
    print("HTML input, the whole pipeline: each benchmark's pages cleaned from their .html files (the shipped line "
          "model; a page not kept scores as an empty text)")
    print(f"{'benchmark':10} {'pages':>5} {'kept':>5} {'P':>6} {'R':>6} {'F1':>6}   trafilatura alone: F1")
    for name, row in html_rows.items():
        trafilatura = (lodo_rows.get(name) or {}).get("boilerplate", {}).get(lodo.SYSTEMS[2], {}).get("all")
        print(f"{name:10} {row['pages']:>5} {row['kept']:>5} {row['precision']:>6.3f} {row['recall']:>6.3f} "
              f"{row['f1']:>6.3f}   " + (f"{trafilatura['f1']:.3f}" if trafilatura else "-"))
    print()
    print("Keyword stuffing, leave one family out: fold-B WCXB dev articles stuffed by each family, scored with the "
          f"models trained on fold A without it ({', '.join(UNSEEN)}: no model is trained on these, the shipped "
          "ones score them; stuffing stage alone)")
    print("  (AUC and 'at 1%': the stuffed articles ranked against fold B's clean pages of every type by the "
          "candidate model's P, with no cut; 'at 1%': above what 1% of the clean pages reach)")
    print(f"  {'family':14} {'articles':>8} {'found':>6} {'copies':>6} {'removed':>7} {'natural':>7} {'kept':>6} "
          f"{'words kept':>10} {'AUC':>6} {'at 1%':>6}")
    for name, row in stuffing_row["families"].items():
        print(f"  {name:14} {row['articles']:>8} {row['keyphrase_found']:>6.3f} {row['copies']:>6} "
              f"{row['copies_removed']:>7.3f} {row['natural_uses']:>7} {row['natural_kept']:>6.3f} "
              f"{row['original_words_kept']:>10.4f} {row['auc']:>6.3f} {row['flagged_at_1pct']:>6.3f}")
    low = stuffing_row["minimum"]
    print(f"  {'minimum':14} {'':>8} {low['keyphrase_found']:>6.3f} {'':>6} {low['copies_removed']:>7.3f} {'':>7} "
          f"{low['natural_kept']:>6.3f} {low['original_words_kept']:>10.4f} {low['auc']:>6.3f} "
          f"{low['flagged_at_1pct']:>6.3f}")
    print("  removed, by where the family put the copy:")
    for name, row in stuffing_row["families"].items():
        print(f"    {name}: " + ", ".join(f"{placement} {r['removed']:.3f} ({r['copies']})"
                                        for placement, r in row["by_placement"].items()))
    clean = stuffing_row["clean"]
    print("  shipped models, clean WCXB dev pages losing words to the stage, all (fold B, never trained on):")
    print(f"    articles {clean['losing_words']} of {clean['articles']} ({clean['losing_words_fold_b']} of "
          f"{clean['articles_fold_b']}); with two natural uses of a keyphrase planted {clean['planted_losing_words']} "
          f"of {clean['planted']} ({clean['planted_losing_words_fold_b']} of {clean['planted_fold_b']}); other pages "
          f"{clean['other_pages_losing_words']} of {clean['other_pages']} ({clean['other_pages_losing_words_fold_b']} "
          f"of {clean['other_pages_fold_b']})")
    print()
    print(f"Spun text: spinner families over {spun_row['articles']} WCXB dev articles of held-out sites (fold B; "
          f"the model is fitted on fold A with {' and '.join(spun.FITTED_WITH)}); "
          f"flagged above {spun_row['threshold']}, "
          f"1% of {spun_row['clean_pages']} clean fold-B pages above {spun_row['threshold_at_1pct']:.3f}")
    def spun_rows(label: str, by_rate: dict[str, dict]) -> None:
        for rate in spun.EVAL_RATES:
            row = by_rate[str(rate)]
            words = f" {row['word_auc']:>9.3f}" if "word_auc" in row else ""
            changed = f"{row['changed']:>8.3f}" if "changed" in row else f"{'':>8}"
            print(f"  {label:26} {rate:>5}{changed} {row['auc']:>6.3f} {row['recall']:>7.3f} "
                  f"{row['recall_at_1pct']:>6.3f}" + words)

    print("  (changed: the share of the articles' content words the spinner changed at that rate)")
    print(f"  {'family':26} {'rate':>5} {'changed':>7} {'AUC':>6} {'recall':>7} {'at 1%':>6}")
    for name, by_rate in spun_row["families"].items():
        spun_rows(name if name not in spun.FITTED_WITH else f"{name} (fitted)", by_rate)
    spun_rows("minimum, unseen", spun_row["minimum"])
    if spun_row["leave_one_family_out"]:
        print("  leave one family out: each family scored with the model fitted on the others alone; word AUC:\n"
              "  its word model's scores of the words the spinner put in against the articles' other content words")
        print(f"  {'':26} {'':>5} {'changed':>7} {'AUC':>6} {'recall':>7} {'at 1%':>6} {'word AUC':>9}")
        for name, by_rate in spun_row["leave_one_family_out"].items():
            spun_rows(f"without {name}", by_rate)
        spun_rows("minimum, left out", spun_row["lofo_minimum"])
    print(f"  clean articles flagged {spun_row['clean_flagged']:.3f} ({spun_row['clean_with_tortured_phrase']} with a "
          f"tortured phrase); clean pages flagged by type: " + ", ".join(
              f"{t} {r['flagged']:.3f} ({r['pages']})" for t, r in spun_row["clean_flagged_by_type"].items()))
    print("  clean pages of other benchmarks flagged (gold texts; the model never saw these sets): " + ", ".join(
        f"{name} {r['flagged']} of {r['pages']} ({r['flagged'] / r['pages']:.1%})"
        for name, r in spun_row["other_clean_flagged"].items()))
    print("  --repair-spun, the spinners' own swaps at every rate: replacements giving back what the spinner "
          "replaced")
    for name, row in spun_row["repair"].items():
        print(f"    {name:24} {row['restored']} of {row['replaced']} in spun articles, {row['clean_replaced']} in "
              f"clean ones: precision {row['precision']:.3f} (" + ", ".join(
                  f"{family} {f['restored']}/{f['replaced']}" for family, f in row["families"].items()) + ")")
    print()
    print("Seed expectations")
    for row in seed_rows:
        print(f"  {'PASS' if row['ok'] else 'FAIL'}  {row['check']}: {row['value']}")
    print()
    print("Quality signals vs datatrove 0.10 (same verdict and reason, gold texts)")
    for name, row in parity_rows.items():
        print(f"  {name:20} {row['agree']}/{row['total']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
