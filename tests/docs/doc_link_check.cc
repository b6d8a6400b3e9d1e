// doc_link_check ROOT: every relative link in ROOT/README.md and ROOT/docs/*.md must reach a
// file or directory, and every #anchor a heading of the file it names, as GitHub renders
// them. Prints one line per broken link (file:line: link: why) and exits 1 if there was any.
// Links to other sites (a scheme such as https:) are not followed: no test reaches a network.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Link {
  int line;
  std::string target;
};

struct Document {
  std::vector<std::string> lines;
  std::set<std::string> anchors;
  std::vector<Link> links;
};

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool is_fence(const std::string& line) {
  const auto start = line.find_first_not_of(' ');
  return start != std::string::npos && start <= 3 &&
         (line.compare(start, 3, "```") == 0 || line.compare(start, 3, "~~~") == 0);
}

// Inline markup a heading's anchor does not keep: links become their text, code spans
// their contents (the backticks are punctuation, dropped below anyway).
std::string heading_text(std::string text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '[') {
      const auto close = text.find("](", i);
      const auto end = close == std::string::npos ? close : text.find(')', close);
      if (end != std::string::npos) {
        out += text.substr(i + 1, close - i - 1);
        i = end;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// GitHub's rule: lower case; drop everything but letters, digits, '-', '_' and spaces
// (bytes of a multi-byte UTF-8 character are kept: those are letters there, or symbols it
// also keeps); spaces become '-'. A repeated anchor gets -1, -2, ...
std::string github_anchor(const std::string& heading) {
  std::string anchor;
  for (unsigned char c : heading_text(heading)) {
    if (std::isalnum(c) || c == '-' || c == '_' || c >= 0x80)
      anchor += static_cast<char>(std::tolower(c));
    else if (c == ' ')
      anchor += '-';
  }
  return anchor;
}

// [text](target) outside code spans; an image ![alt](target) is a link too. A target may
// be followed by a title ("...") and may be wrapped in <>.
void find_links(const std::string& line, int number, std::vector<Link>& links) {
  bool in_code = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '`') in_code = !in_code;
    if (in_code || line[i] != ']' || i + 1 >= line.size() || line[i + 1] != '(') continue;
    const auto end = line.find(')', i + 2);
    if (end == std::string::npos) continue;
    std::string target = line.substr(i + 2, end - i - 2);
    target = target.substr(0, target.find(' '));
    if (target.size() >= 2 && target.front() == '<' && target.back() == '>')
      target = target.substr(1, target.size() - 2);
    links.push_back({number, target});
    i = end;
  }
}

// A link whose text wraps onto the next line ("[Running without\nhardware ...](...)") is
// found on the line where "](" is, so nothing is missed by reading line by line.
Document read_document(const fs::path& path) {
  Document doc;
  doc.lines = read_lines(path);
  std::map<std::string, int> seen;
  bool in_fence = false;
  for (std::size_t i = 0; i < doc.lines.size(); ++i) {
    const std::string& line = doc.lines[i];
    if (is_fence(line)) {
      in_fence = !in_fence;
      continue;
    }
    if (in_fence) continue;
    if (!line.empty() && line[0] == '#') {
      const auto text = line.find_first_not_of('#');
      if (text != std::string::npos && text <= 6 && line[text] == ' ') {
        const std::string base = github_anchor(line.substr(text + 1));
        const int n = seen[base]++;
        doc.anchors.insert(n == 0 ? base : base + "-" + std::to_string(n));
      }
    }
    find_links(line, static_cast<int>(i + 1), doc.links);
  }
  return doc;
}

bool has_scheme(const std::string& target) {
  const auto colon = target.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  return std::all_of(target.begin(), target.begin() + static_cast<long>(colon),
                     [](unsigned char c) { return std::isalpha(c) || c == '+' || c == '-' || c == '.'; });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: doc_link_check ROOT (checks ROOT/README.md and ROOT/docs/*.md)\n");
    return 2;
  }
  const fs::path root = argv[1];
  std::vector<fs::path> files = {root / "README.md"};
  if (fs::is_directory(root / "docs"))
    for (const auto& entry : fs::directory_iterator(root / "docs"))
      if (entry.path().extension() == ".md") files.push_back(entry.path());
  std::sort(files.begin() + 1, files.end());

  std::map<fs::path, Document> documents;
  auto document = [&](const fs::path& path) -> const Document& {
    const fs::path key = fs::weakly_canonical(path);
    auto it = documents.find(key);
    if (it == documents.end()) it = documents.emplace(key, read_document(key)).first;
    return it->second;
  };

  int broken = 0, checked = 0;
  for (const auto& file : files) {
    if (!fs::is_regular_file(file)) {
      std::printf("%s: missing\n", file.c_str());
      ++broken;
      continue;
    }
    for (const Link& link : document(file).links) {
      if (link.target.empty() || has_scheme(link.target)) continue;
      ++checked;
      const auto hash = link.target.find('#');
      const std::string path_part = link.target.substr(0, hash);
      const fs::path target = path_part.empty() ? file : file.parent_path() / path_part;
      std::string why;
      if (!fs::exists(target)) {
        why = "no such file or directory";
      } else if (hash != std::string::npos) {
        const std::string anchor = link.target.substr(hash + 1);
        if (target.extension() != ".md" || !fs::is_regular_file(target))
          why = "an anchor into something that is not a Markdown file";
        else if (!document(target).anchors.count(anchor))
          why = "no heading with anchor #" + anchor + " in " + fs::relative(target, root).string();
      }
      if (!why.empty()) {
        std::printf("%s:%d: %s: %s\n", fs::relative(file, root).c_str(), link.line,
                    link.target.c_str(), why.c_str());
        ++broken;
      }
    }
  }
  std::printf("doc_link_check: %zu files, %d relative links, %d broken\n", files.size(), checked,
              broken);
  return broken == 0 ? 0 : 1;
}
